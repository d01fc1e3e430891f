// Methods of the string type. Indices are byte offsets, as in the Go implementation.
#include <locale.h>
#include <wctype.h>
#include <algorithm>
#include <cctype>
#include <clocale>
#include <cwctype>
#include <unordered_map>

#include "orchestrator/starlark/evaluator.h"
#include "orchestrator/starlark/methods.h"
#include "orchestrator/starlark/operators.h"
#include "orchestrator/starlark/utf8.h"

namespace mm::starlark {

namespace {

const std::string& want_string(Value v, const char* fn, const char* param) {
  if (!v.is(Kind::String))
    throw EvalError(std::string(fn) + ": for parameter " + param + ": got " + type_name(v) +
                    ", want string");
  return str_of(v);
}

bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Clamps optional start/end arguments to [0, n] with Python slice semantics.
void span(Value start, Value end, int64_t n, int64_t& lo, int64_t& hi, const char* fn) {
  auto clamp = [&](Value v, int64_t dflt) {
    if (v.is_none()) return dflt;
    int64_t k = to_int(v, fn);
    if (k < 0) k += n;
    return std::clamp<int64_t>(k, 0, n);
  };
  lo = clamp(start, 0);
  hi = clamp(end, n);
}

Value do_find(Thread&, Value recv, Args& a, const char* fn, bool reverse, bool must) {
  Value sub, start, end;
  no_named_args(fn, a);
  unpack_args(fn, a, {"sub", "start?", "end?"}, {&sub, &start, &end});
  const std::string& s = str_of(recv);
  const std::string& needle = want_string(sub, fn, "sub");
  int64_t lo, hi;
  span(start, end, static_cast<int64_t>(s.size()), lo, hi, fn);
  int64_t r = -1;
  if (lo <= hi) {
    std::string_view view(s.data() + lo, hi - lo);
    size_t p = reverse ? view.rfind(needle) : view.find(needle);
    if (p != std::string_view::npos) r = lo + static_cast<int64_t>(p);
  }
  if (r < 0 && must) throw EvalError(std::string(fn) + ": substring not found");
  return Value::integer(r);
}

Value m_find(Thread& th, Value r, Args& a) { return do_find(th, r, a, "find", false, false); }
Value m_rfind(Thread& th, Value r, Args& a) { return do_find(th, r, a, "rfind", true, false); }
Value m_index(Thread& th, Value r, Args& a) { return do_find(th, r, a, "index", false, true); }
Value m_rindex(Thread& th, Value r, Args& a) { return do_find(th, r, a, "rindex", true, true); }

Value m_count(Thread&, Value recv, Args& a) {
  Value sub, start, end;
  no_named_args("count", a);
  unpack_args("count", a, {"sub", "start?", "end?"}, {&sub, &start, &end});
  const std::string& s = str_of(recv);
  const std::string& needle = want_string(sub, "count", "sub");
  int64_t lo, hi;
  span(start, end, static_cast<int64_t>(s.size()), lo, hi, "count");
  if (lo > hi) return Value::integer(0);
  std::string_view view(s.data() + lo, hi - lo);
  if (needle.empty()) return Value::integer(static_cast<int64_t>(utf8_decode(std::string(view)).size()) + 1);
  int64_t n = 0;
  for (size_t p = view.find(needle); p != std::string_view::npos; p = view.find(needle, p + needle.size())) ++n;
  return Value::integer(n);
}

Value affix(Value recv, Args& a, const char* fn, bool prefix) {
  Value x, start, end;
  no_named_args(fn, a);
  unpack_args(fn, a, {prefix ? "prefix" : "suffix", "start?", "end?"}, {&x, &start, &end});
  const std::string& s = str_of(recv);
  int64_t lo, hi;
  span(start, end, static_cast<int64_t>(s.size()), lo, hi, fn);
  std::string_view view = lo <= hi ? std::string_view(s.data() + lo, hi - lo) : std::string_view();
  auto test = [&](Value v, int element) {
    if (!v.is(Kind::String))
      throw EvalError(std::string(fn) + ": got " + type_name(v) +
                      (element >= 0 ? ", for element " + std::to_string(element)
                                    : std::string(", want string or tuple of strings")));
    const std::string& p = str_of(v);
    if (p.size() > view.size()) return false;
    return prefix ? view.substr(0, p.size()) == p : view.substr(view.size() - p.size()) == p;
  };
  if (x.is(Kind::Tuple)) {
    const auto& items = x.as<TupleObj>()->items;
    for (size_t i = 0; i < items.size(); ++i)
      if (test(items[i], static_cast<int>(i))) return Value::boolean(true);
    return Value::boolean(false);
  }
  return Value::boolean(test(x, -1));
}

Value m_startswith(Thread&, Value r, Args& a) { return affix(r, a, "startswith", true); }
Value m_endswith(Thread&, Value r, Args& a) { return affix(r, a, "endswith", false); }

Value do_strip(Thread& th, Value recv, Args& a, const char* fn, bool left, bool right) {
  Value chars;
  no_named_args(fn, a);
  unpack_args(fn, a, {"chars?"}, {&chars});
  const std::string& s = str_of(recv);
  size_t b = 0, e = s.size();
  // An empty chars strips whitespace, as None does (the reference's behaviour).
  if (chars.is_none() || (chars.is(Kind::String) && str_of(chars).empty())) {
    if (left) while (b < e && is_space(static_cast<unsigned char>(s[b]))) ++b;
    if (right) while (e > b && is_space(static_cast<unsigned char>(s[e - 1]))) --e;
  } else {
    const std::string& cs = want_string(chars, fn, "chars");
    // Strip whole code points listed in chars.
    std::vector<uint32_t> set = utf8_decode(cs);
    auto in_set = [&](uint32_t cp) { return std::find(set.begin(), set.end(), cp) != set.end(); };
    std::vector<uint32_t> cps = utf8_decode(s);
    size_t cb = 0, ce = cps.size();
    if (left) while (cb < ce && in_set(cps[cb])) ++cb;
    if (right) while (ce > cb && in_set(cps[ce - 1])) --ce;
    std::string out;
    for (size_t i = cb; i < ce; ++i) utf8_append(out, cps[i]);
    return th.make_string(std::move(out));
  }
  return th.make_string(s.substr(b, e - b));
}

Value m_strip(Thread& th, Value r, Args& a) { return do_strip(th, r, a, "strip", true, true); }
Value m_lstrip(Thread& th, Value r, Args& a) { return do_strip(th, r, a, "lstrip", true, false); }
Value m_rstrip(Thread& th, Value r, Args& a) { return do_strip(th, r, a, "rstrip", false, true); }

// Unicode case mapping, as Go's unicode package does for the reference. glibc's built-in
// C.UTF-8 locale carries the full Unicode tables (no locale files are read, and the process
// locale is not touched), so results do not depend on the host's configuration.
struct CaseTables {
  locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  wctrans_t title = loc ? wctrans_l("totitle", loc) : wctrans_t();
};
const CaseTables& case_tables() {
  static const CaseTables t;
  return t;
}
enum class Case { Lower, Upper, Title };
uint32_t map_case(uint32_t cp, Case c) {
  if (cp < 0x80) {
    if (c == Case::Lower) return static_cast<uint32_t>(std::tolower(static_cast<int>(cp)));
    return static_cast<uint32_t>(std::toupper(static_cast<int>(cp)));
  }
  const CaseTables& t = case_tables();
  if (!t.loc) return cp;
  wint_t w = static_cast<wint_t>(cp);
  switch (c) {
    case Case::Lower:
      return static_cast<uint32_t>(towlower_l(w, t.loc));
    case Case::Upper:
      return static_cast<uint32_t>(towupper_l(w, t.loc));
    case Case::Title:
      return t.title ? static_cast<uint32_t>(towctrans_l(w, t.title, t.loc)) : cp;
  }
  return cp;
}
// Go's unicode.IsUpper, IsTitle and IsLower for cased letters, from the mappings: a title-case
// letter such as U+01C5 is its own title form but neither its upper nor its lower form.
bool is_title(uint32_t cp) {
  return map_case(cp, Case::Title) == cp && map_case(cp, Case::Upper) != cp &&
         map_case(cp, Case::Lower) != cp;
}
bool is_upper(uint32_t cp) {
  return map_case(cp, Case::Lower) != cp && map_case(cp, Case::Upper) == cp;
}
bool is_upper_or_title(uint32_t cp) {
  return is_upper(cp) || is_title(cp);
}
bool is_lower(uint32_t cp) {
  return map_case(cp, Case::Upper) != cp && map_case(cp, Case::Lower) == cp;
}
bool is_cased(uint32_t cp) {
  return is_upper_or_title(cp) || is_lower(cp);
}

// Applies `f(index, code point)` to each code point; bytes that are not valid UTF-8 are kept.
template <class F>
std::string map_code_points(const std::string& s, F f) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0, i = 0;
  for (uint32_t cp : utf8_decode(s)) {
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (cp == 0xFFFD && s.compare(pos, 3, "\xEF\xBF\xBD") != 0) {
      out += s[pos++];
      ++i;
      continue;
    }
    utf8_append(out, f(i++, cp));
    pos += n;
  }
  return out;
}

Value map_string(Thread& th, Value recv, Args& a, const char* fn, Case c) {
  no_named_args(fn, a);
  unpack_args(fn, a, {}, {});
  return th.make_string(
      map_code_points(str_of(recv), [c](size_t, uint32_t cp) { return map_case(cp, c); }));
}

Value m_lower(Thread& th, Value r, Args& a) {
  return map_string(th, r, a, "lower", Case::Lower);
}
Value m_upper(Thread& th, Value r, Args& a) {
  return map_string(th, r, a, "upper", Case::Upper);
}

Value m_title(Thread& th, Value recv, Args& a) {
  no_named_args("title", a);
  unpack_args("title", a, {}, {});
  bool prev_cased = false;
  return th.make_string(map_code_points(str_of(recv), [&](size_t, uint32_t cp) {
    cp = map_case(cp, prev_cased ? Case::Lower : Case::Title);
    prev_cased = is_cased(cp);
    return cp;
  }));
}

Value m_capitalize(Thread& th, Value recv, Args& a) {
  no_named_args("capitalize", a);
  unpack_args("capitalize", a, {}, {});
  return th.make_string(map_code_points(str_of(recv), [](size_t i, uint32_t cp) {
    return map_case(cp, i == 0 ? Case::Title : Case::Lower);
  }));
}

template <class P>
Value predicate(Value recv, Args& a, const char* fn, P p, bool empty_value = false) {
  no_named_args(fn, a);
  unpack_args(fn, a, {}, {});
  const std::string& s = str_of(recv);
  if (s.empty()) return Value::boolean(empty_value);
  for (unsigned char c : s)
    if (!p(c)) return Value::boolean(false);
  return Value::boolean(true);
}

Value m_isdigit(Thread&, Value r, Args& a) { return predicate(r, a, "isdigit", [](unsigned char c) { return std::isdigit(c) != 0; }); }
Value m_isalpha(Thread&, Value r, Args& a) { return predicate(r, a, "isalpha", [](unsigned char c) { return std::isalpha(c) != 0 || c >= 0x80; }); }
Value m_isalnum(Thread&, Value r, Args& a) { return predicate(r, a, "isalnum", [](unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }); }
Value m_isspace(Thread&, Value r, Args& a) { return predicate(r, a, "isspace", [](unsigned char c) { return is_space(c); }); }

// As the reference: some code point is cased, and mapping the string changes nothing.
Value case_test(Value recv, Args& a, const char* fn, bool upper) {
  no_named_args(fn, a);
  unpack_args(fn, a, {}, {});
  const std::string& s = str_of(recv);
  bool cased = false;
  for (uint32_t cp : utf8_decode(s)) cased = cased || is_cased(cp);
  if (!cased) return Value::boolean(false);
  Case c = upper ? Case::Upper : Case::Lower;
  return Value::boolean(map_code_points(s, [c](size_t, uint32_t cp) { return map_case(cp, c); }) ==
                        s);
}
Value m_islower(Thread&, Value r, Args& a) { return case_test(r, a, "islower", false); }
Value m_isupper(Thread&, Value r, Args& a) { return case_test(r, a, "isupper", true); }

Value m_istitle(Thread&, Value recv, Args& a) {
  no_named_args("istitle", a);
  unpack_args("istitle", a, {}, {});
  bool prev_cased = false, cased = false;
  // The reference's rule, including its quirk: a non-ASCII upper-case letter (not title case)
  // makes the string not a title ("Ǆenan".istitle() is False).
  for (uint32_t c : utf8_decode(str_of(recv))) {
    if ((c >= 'A' && c <= 'Z') || is_title(c)) {
      if (prev_cased) return Value::boolean(false);
      prev_cased = cased = true;
    } else if (is_upper(c)) {
      return Value::boolean(false);
    } else if (is_lower(c)) {
      if (!prev_cased) return Value::boolean(false);
      prev_cased = cased = true;
    } else {
      prev_cased = false;
    }
  }
  return Value::boolean(cased);
}

Value do_split(Thread& th, Value recv, Args& a, const char* fn, bool reverse) {
  Value sepv, maxv;
  no_named_args(fn, a);
  unpack_args(fn, a, {"sep?", "maxsplit?"}, {&sepv, &maxv});
  const std::string& s = str_of(recv);
  int64_t max = maxv.is_none() ? -1 : to_int(maxv, fn);
  std::vector<std::string> parts;
  if (sepv.is_none()) {
    // Runs of whitespace separate fields; leading/trailing whitespace is ignored, except that
    // the unsplit remainder after maxsplit keeps its far end as is (as Python and the
    // reference do: " a b ".split(None, 0) == ["a b "]).
    if (!reverse) {
      size_t i = 0;
      while (true) {
        while (i < s.size() && is_space(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size()) break;
        if (max >= 0 && static_cast<int64_t>(parts.size()) == max) {
          parts.push_back(s.substr(i));
          break;
        }
        size_t j = i;
        while (j < s.size() && !is_space(static_cast<unsigned char>(s[j]))) ++j;
        parts.push_back(s.substr(i, j - i));
        i = j;
      }
    } else {
      size_t e = s.size();
      while (true) {
        while (e > 0 && is_space(static_cast<unsigned char>(s[e - 1]))) --e;
        if (e == 0) break;
        if (max >= 0 && static_cast<int64_t>(parts.size()) == max) {
          parts.push_back(s.substr(0, e));
          break;
        }
        size_t j = e;
        while (j > 0 && !is_space(static_cast<unsigned char>(s[j - 1]))) --j;
        parts.push_back(s.substr(j, e - j));
        e = j;
      }
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    const std::string& sep = want_string(sepv, fn, "sep");
    if (sep.empty()) throw EvalError(std::string(fn) + ": empty separator");
    if (!reverse) {
      size_t i = 0;
      while (true) {
        size_t p = s.find(sep, i);
        if (p == std::string::npos || (max >= 0 && static_cast<int64_t>(parts.size()) == max)) {
          parts.push_back(s.substr(i));
          break;
        }
        parts.push_back(s.substr(i, p - i));
        i = p + sep.size();
      }
    } else {
      size_t e = s.size();
      while (true) {
        size_t p = e >= sep.size() ? s.rfind(sep, e - sep.size()) : std::string::npos;
        if (p == std::string::npos || (max >= 0 && static_cast<int64_t>(parts.size()) == max)) {
          parts.push_back(s.substr(0, e));
          break;
        }
        parts.push_back(s.substr(p + sep.size(), e - p - sep.size()));
        e = p;
      }
      std::reverse(parts.begin(), parts.end());
    }
  }
  std::vector<Value> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(th.make_string(std::move(p)));
  return th.make_list(std::move(out));
}

Value m_split(Thread& th, Value r, Args& a) { return do_split(th, r, a, "split", false); }
Value m_rsplit(Thread& th, Value r, Args& a) { return do_split(th, r, a, "rsplit", true); }

Value m_splitlines(Thread& th, Value recv, Args& a) {
  Value keep = Value::boolean(false);
  no_named_args("splitlines", a);
  unpack_args("splitlines", a, {"keepends?"}, {&keep});
  if (!keep.is(Kind::Bool))
    throw EvalError(std::string("splitlines: for parameter keepends: got ") + type_name(keep) +
                    ", want bool");
  const std::string& s = str_of(recv);
  std::vector<Value> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] != '\n' && s[j] != '\r') ++j;
    size_t e = j;
    if (j < s.size()) {
      if (s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n') j += 2;
      else j += 1;
    }
    out.push_back(th.make_string(s.substr(i, (truth(keep) ? j : e) - i)));
    i = j;
  }
  return th.make_list(std::move(out));
}

Value m_join(Thread& th, Value recv, Args& a) {
  Value it;
  no_named_args("join", a);
  unpack_args("join", a, {"iterable"}, {&it});
  if (!is_iterable(it)) throw EvalError(std::string("join: got ") + type_name(it) + ", want iterable");
  const std::string& sep = str_of(recv);
  std::string out;
  bool first = true;
  iterate(th, it, [&](Value e) {
    if (!e.is(Kind::String))
      throw EvalError(std::string("join: in list, want string, got ") + type_name(e));
    if (!first) out += sep;
    first = false;
    out += str_of(e);
    th.heap.charge(sep.size() + str_of(e).size());
    return true;
  });
  return th.make_string(std::move(out));
}

Value m_replace(Thread& th, Value recv, Args& a) {
  Value oldv, newv, countv;
  no_named_args("replace", a);
  unpack_args("replace", a, {"old", "new", "count?"}, {&oldv, &newv, &countv});
  const std::string& s = str_of(recv);
  const std::string& o = want_string(oldv, "replace", "old");
  const std::string& n = want_string(newv, "replace", "new");
  int64_t count = countv.is_none() ? -1 : to_int(countv, "replace");
  std::string out;
  int64_t done = 0;
  if (o.empty()) {
    std::vector<uint32_t> cps = utf8_decode(s);
    size_t i = 0;
    for (; i <= cps.size(); ++i) {
      if (count >= 0 && done >= count) break;
      out += n;
      ++done;
      if (i < cps.size()) utf8_append(out, cps[i]);
      th.heap.charge(n.size() + 4);
    }
    for (; i < cps.size(); ++i) utf8_append(out, cps[i]);
    return th.make_string(std::move(out));
  }
  size_t i = 0;
  while (true) {
    size_t p = s.find(o, i);
    if (p == std::string::npos || (count >= 0 && done >= count)) break;
    out.append(s, i, p - i);
    out += n;
    th.heap.charge(n.size());
    i = p + o.size();
    ++done;
  }
  out.append(s, i, std::string::npos);
  return th.make_string(std::move(out));
}

Value do_partition(Thread& th, Value recv, Args& a, const char* fn, bool reverse) {
  Value sepv;
  no_named_args(fn, a);
  unpack_args(fn, a, {"sep"}, {&sepv});
  const std::string& s = str_of(recv);
  const std::string& sep = want_string(sepv, fn, "sep");
  if (sep.empty()) throw EvalError(std::string(fn) + ": empty separator");
  size_t p = reverse ? s.rfind(sep) : s.find(sep);
  if (p == std::string::npos) {
    if (reverse) return th.make_tuple({th.make_string(""), th.make_string(""), recv});
    return th.make_tuple({recv, th.make_string(""), th.make_string("")});
  }
  return th.make_tuple({th.make_string(s.substr(0, p)), sepv, th.make_string(s.substr(p + sep.size()))});
}

Value m_partition(Thread& th, Value r, Args& a) { return do_partition(th, r, a, "partition", false); }
Value m_rpartition(Thread& th, Value r, Args& a) { return do_partition(th, r, a, "rpartition", true); }

Value m_removeprefix(Thread& th, Value recv, Args& a) {
  Value x;
  no_named_args("removeprefix", a);
  unpack_args("removeprefix", a, {"prefix"}, {&x});
  const std::string& s = str_of(recv);
  const std::string& p = want_string(x, "removeprefix", "prefix");
  if (s.compare(0, p.size(), p) == 0 && s.size() >= p.size()) return th.make_string(s.substr(p.size()));
  return recv;
}

Value m_removesuffix(Thread& th, Value recv, Args& a) {
  Value x;
  no_named_args("removesuffix", a);
  unpack_args("removesuffix", a, {"suffix"}, {&x});
  const std::string& s = str_of(recv);
  const std::string& p = want_string(x, "removesuffix", "suffix");
  if (s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0)
    return th.make_string(s.substr(0, s.size() - p.size()));
  return recv;
}

Value str_iter(Thread& th, Value recv, Args& a, StrIterObj::Mode mode) {
  auto* it = th.heap.make<StrIterObj>();
  it->str = recv;
  it->mode = mode;
  no_named_args(it->method(), a);
  unpack_args(it->method(), a, {}, {});
  return Value::object(Kind::StrIter, it);
}

Value m_elems(Thread& th, Value recv, Args& a) {
  return str_iter(th, recv, a, StrIterObj::Elems);
}
Value m_elem_ords(Thread& th, Value recv, Args& a) {
  return str_iter(th, recv, a, StrIterObj::ElemOrds);
}
Value m_codepoints(Thread& th, Value recv, Args& a) {
  return str_iter(th, recv, a, StrIterObj::Codepoints);
}
Value m_codepoint_ords(Thread& th, Value recv, Args& a) {
  return str_iter(th, recv, a, StrIterObj::CodepointOrds);
}

Value m_format(Thread& th, Value recv, Args& a) { return str_format(th, str_of(recv), a); }

const std::unordered_map<std::string_view, NativeFn>& table() {
  static const std::unordered_map<std::string_view, NativeFn> t = {
      {"capitalize", m_capitalize}, {"codepoint_ords", m_codepoint_ords},
      {"codepoints", m_codepoints}, {"count", m_count},
      {"elem_ords", m_elem_ords},   {"elems", m_elems},
      {"endswith", m_endswith},     {"find", m_find},
      {"format", m_format},         {"index", m_index},
      {"isalnum", m_isalnum},       {"isalpha", m_isalpha},
      {"isdigit", m_isdigit},       {"islower", m_islower},
      {"isspace", m_isspace},       {"istitle", m_istitle},
      {"isupper", m_isupper},       {"join", m_join},
      {"lower", m_lower},           {"lstrip", m_lstrip},
      {"partition", m_partition},   {"removeprefix", m_removeprefix},
      {"removesuffix", m_removesuffix}, {"replace", m_replace},
      {"rfind", m_rfind},           {"rindex", m_rindex},
      {"rpartition", m_rpartition}, {"rsplit", m_rsplit},
      {"rstrip", m_rstrip},         {"split", m_split},
      {"splitlines", m_splitlines}, {"startswith", m_startswith},
      {"strip", m_strip},           {"title", m_title},
      {"upper", m_upper},
  };
  return t;
}

}  // namespace

NativeFn find_string_method(std::string_view name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> string_method_names() {
  std::vector<std::string> out;
  for (auto& kv : table()) out.emplace_back(kv.first);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mm::starlark
