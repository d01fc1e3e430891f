// Methods of the string type. Indices are byte offsets, as in the Go implementation.
#include <algorithm>
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
  auto test = [&](Value v) {
    if (!v.is(Kind::String))
      throw EvalError(std::string(fn) + ": got " + type_name(v) + ", want string or tuple of strings");
    const std::string& p = str_of(v);
    if (p.size() > view.size()) return false;
    return prefix ? view.substr(0, p.size()) == p : view.substr(view.size() - p.size()) == p;
  };
  if (x.is(Kind::Tuple)) {
    for (Value v : x.as<TupleObj>()->items)
      if (test(v)) return Value::boolean(true);
    return Value::boolean(false);
  }
  return Value::boolean(test(x));
}

Value m_startswith(Thread&, Value r, Args& a) { return affix(r, a, "startswith", true); }
Value m_endswith(Thread&, Value r, Args& a) { return affix(r, a, "endswith", false); }

Value do_strip(Thread& th, Value recv, Args& a, const char* fn, bool left, bool right) {
  Value chars;
  no_named_args(fn, a);
  unpack_args(fn, a, {"chars?"}, {&chars});
  const std::string& s = str_of(recv);
  size_t b = 0, e = s.size();
  if (chars.is_none()) {
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

template <class F>
Value map_bytes(Thread& th, Value recv, Args& a, const char* fn, F f) {
  no_named_args(fn, a);
  unpack_args(fn, a, {}, {});
  std::string s = str_of(recv);
  for (auto& c : s) c = static_cast<char>(f(static_cast<unsigned char>(c)));
  return th.make_string(std::move(s));
}

Value m_lower(Thread& th, Value r, Args& a) { return map_bytes(th, r, a, "lower", ::tolower); }
Value m_upper(Thread& th, Value r, Args& a) { return map_bytes(th, r, a, "upper", ::toupper); }

Value m_title(Thread& th, Value recv, Args& a) {
  no_named_args("title", a);
  unpack_args("title", a, {}, {});
  std::string s = str_of(recv);
  bool prev_letter = false;
  for (auto& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      c = static_cast<char>(prev_letter ? std::tolower(u) : std::toupper(u));
      prev_letter = true;
    } else {
      prev_letter = u >= 0x80;
    }
  }
  return th.make_string(std::move(s));
}

Value m_capitalize(Thread& th, Value recv, Args& a) {
  no_named_args("capitalize", a);
  unpack_args("capitalize", a, {}, {});
  std::string s = str_of(recv);
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(s[i]);
    s[i] = static_cast<char>(i == 0 ? std::toupper(u) : std::tolower(u));
  }
  return th.make_string(std::move(s));
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

Value case_test(Value recv, Args& a, const char* fn, bool upper) {
  no_named_args(fn, a);
  unpack_args(fn, a, {}, {});
  bool cased = false;
  for (unsigned char c : str_of(recv)) {
    if (upper ? std::islower(c) : std::isupper(c)) return Value::boolean(false);
    if (std::isalpha(c)) cased = true;
  }
  return Value::boolean(cased);
}
Value m_islower(Thread&, Value r, Args& a) { return case_test(r, a, "islower", false); }
Value m_isupper(Thread&, Value r, Args& a) { return case_test(r, a, "isupper", true); }

Value m_istitle(Thread&, Value recv, Args& a) {
  no_named_args("istitle", a);
  unpack_args("istitle", a, {}, {});
  bool prev_cased = false, cased = false;
  for (unsigned char c : str_of(recv)) {
    if (std::isupper(c)) {
      if (prev_cased) return Value::boolean(false);
      prev_cased = cased = true;
    } else if (std::islower(c)) {
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
    // Runs of whitespace separate fields; leading/trailing whitespace is ignored.
    if (!reverse) {
      size_t i = 0;
      while (true) {
        while (i < s.size() && is_space(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size()) break;
        if (max >= 0 && static_cast<int64_t>(parts.size()) == max) {
          size_t e = s.size();
          while (e > i && is_space(static_cast<unsigned char>(s[e - 1]))) --e;
          parts.push_back(s.substr(i, e - i));
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
          size_t b = 0;
          while (b < e && is_space(static_cast<unsigned char>(s[b]))) ++b;
          parts.push_back(s.substr(b, e - b));
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

Value m_elems(Thread& th, Value recv, Args& a) {
  no_named_args("elems", a);
  unpack_args("elems", a, {}, {});
  std::vector<Value> out;
  for (char c : str_of(recv)) out.push_back(th.make_string(std::string(1, c)));
  return th.make_list(std::move(out));
}

Value m_elem_ords(Thread& th, Value recv, Args& a) {
  no_named_args("elem_ords", a);
  unpack_args("elem_ords", a, {}, {});
  std::vector<Value> out;
  for (unsigned char c : str_of(recv)) out.push_back(Value::integer(c));
  return th.make_list(std::move(out));
}

Value m_codepoints(Thread& th, Value recv, Args& a) {
  no_named_args("codepoints", a);
  unpack_args("codepoints", a, {}, {});
  std::vector<Value> out;
  for (uint32_t cp : utf8_decode(str_of(recv))) {
    std::string s;
    utf8_append(s, cp);
    out.push_back(th.make_string(std::move(s)));
  }
  return th.make_list(std::move(out));
}

Value m_codepoint_ords(Thread& th, Value recv, Args& a) {
  no_named_args("codepoint_ords", a);
  unpack_args("codepoint_ords", a, {}, {});
  std::vector<Value> out;
  for (uint32_t cp : utf8_decode(str_of(recv))) out.push_back(Value::integer(cp));
  return th.make_list(std::move(out));
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
