// String formatting: the % operator and str.format, with the conversions Starlark defines.
#include <cmath>
#include <cstdio>

#include "orchestrator/starlark/evaluator.h"
#include "orchestrator/starlark/methods.h"
#include "orchestrator/starlark/operators.h"
#include "orchestrator/starlark/utf8.h"

namespace mm::starlark {

namespace {

std::string c_format(const char* spec, double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "+inf" : "-inf";
  char buf[512];
  std::snprintf(buf, sizeof buf, spec, f);
  return buf;
}

std::string int_in_base(int64_t v, int base, bool upper) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-static_cast<__int128>(v))
                            : static_cast<unsigned __int128>(v);
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), digits[static_cast<int>(u % base)]);
    u /= base;
  }
  return neg ? "-" + out : out;
}

}  // namespace

Value percent_format(Thread& th, const std::string& fmt, Value args) {
  std::vector<Value> pos;
  DictObj* mapping = nullptr;
  if (args.is(Kind::Tuple)) pos = args.as<TupleObj>()->items;
  else {
    pos.push_back(args);
    if (args.is(Kind::Dict)) mapping = args.as<DictObj>();
  }
  size_t next = 0;
  bool used_mapping = false;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= fmt.size()) throw EvalError("incomplete format");
    Value arg;
    bool have = false;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string::npos) throw EvalError("incomplete format key");
      if (!mapping) throw EvalError("format requires a mapping");
      std::string key = fmt.substr(i + 1, close - i - 1);
      Value k = th.make_string(key);
      long idx = mapping->find(k);
      if (idx < 0) throw EvalError("key " + repr(k) + " not in dict");
      arg = mapping->entries[idx].second;
      have = true;
      used_mapping = true;
      i = close + 1;
      if (i >= fmt.size()) throw EvalError("incomplete format");
    }
    char conv = fmt[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!have) {
      if (next >= pos.size()) throw EvalError("not enough arguments for format string");
      arg = pos[next++];
    }
    switch (conv) {
      case 's': out += str(arg); break;
      case 'r': out += repr(arg); break;
      case 'd':
      case 'i':
      case 'o':
      case 'x':
      case 'X': {
        int64_t v;
        if (arg.is(Kind::Int)) v = arg.as_int();
        else if (arg.is(Kind::Float) && (conv == 'd' || conv == 'i') && std::isfinite(arg.as_float()) &&
                 std::fabs(arg.as_float()) < 9.2e18)
          v = static_cast<int64_t>(std::floor(arg.as_float()));
        else
          throw EvalError(std::string("%") + conv + " format requires integer: " + type_name(arg));
        out += int_in_base(v, conv == 'o' ? 8 : (conv == 'x' || conv == 'X') ? 16 : 10, conv == 'X');
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        double f;
        if (arg.is(Kind::Float)) f = arg.as_float();
        else if (arg.is(Kind::Int)) f = static_cast<double>(arg.as_int());
        else throw EvalError(std::string("%") + conv + " format requires float, not " + type_name(arg));
        if (conv == 'g' || conv == 'G') {
          std::string s = format_float(f);
          if (conv == 'G')
            for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          out += s;
        } else {
          std::string spec = std::string("%.6") + conv;
          out += c_format(spec.c_str(), f);
        }
        break;
      }
      case 'c':
        if (arg.is(Kind::Int)) {
          if (arg.as_int() < 0 || arg.as_int() > 0x10FFFF) throw EvalError("%c format requires a valid Unicode code point");
          utf8_append(out, static_cast<uint32_t>(arg.as_int()));
        } else if (arg.is(Kind::String) && utf8_decode(str_of(arg)).size() == 1) {
          out += str_of(arg);
        } else {
          // The reference's wording: a string of the wrong length, or a value of the wrong type.
          throw EvalError(
              arg.is(Kind::String)
                  ? "%c format requires a single-character string"
                  : std::string("%c format requires int or single-character string, not ") +
                        type_name(arg));
        }
        break;
      default:
        throw EvalError(std::string("unknown conversion %") + conv);
    }
    th.heap.charge(0);
    if (out.size() > (64u << 20)) throw EvalError("formatted string too long");
  }
  if (!used_mapping && next < pos.size() && !(mapping && next == 0))
    throw EvalError("too many arguments for format string");
  return th.make_string(std::move(out));
}

Value str_format(Thread& th, const std::string& fmt, Args& args) {
  std::string out;
  int auto_index = 0;
  bool used_auto = false, used_manual = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw EvalError("format: single '}' in format");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos) throw EvalError("format: unmatched '{' in format");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    // Checked in the reference's order, with its wording, so scripts see the same errors.
    if (field.find('{') != std::string::npos)
      throw EvalError("format: nested replacement fields not supported");
    char conv = 's';
    size_t bang = field.find('!');
    if (bang != std::string::npos) {
      std::string c2 = field.substr(bang + 1);
      if (c2 != "s" && c2 != "r") throw EvalError("format: unknown conversion \"" + c2 + "\"");
      conv = c2[0];
      field = field.substr(0, bang);
    }
    if (field.find(':') != std::string::npos)
      throw EvalError("format: format spec features not supported in replacement fields");
    Value arg;
    if (field.empty()) {
      if (used_manual)
        throw EvalError("format: cannot switch from manual field specification to automatic field numbering");
      used_auto = true;
      if (auto_index >= static_cast<int>(args.pos.size()))
        throw EvalError("format: tuple index out of range");
      arg = args.pos[auto_index++];
    } else if (std::all_of(field.begin(), field.end(),
                           [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
      // Only an all-digit field is an index; anything else ("0,1") is a keyword, as in the
      // reference.
      if (used_auto)
        throw EvalError("format: cannot switch from automatic field numbering to manual field specification");
      used_manual = true;
      // Decimal despite leading zeros ("{012}" is 12), as in the reference.
      size_t digits = field.find_first_not_of('0');
      std::string_view num = digits == std::string::npos ? std::string_view("0")
                                                         : std::string_view(field).substr(digits);
      size_t k = num.size() > 9 ? SIZE_MAX : std::stoul(std::string(num));
      if (k >= args.pos.size()) throw EvalError("format: tuple index out of range");
      arg = args.pos[k];
    } else {
      if (field.find('.') != std::string::npos)
        throw EvalError("format: attribute syntax x.y is not supported in replacement fields");
      if (field.find('[') != std::string::npos)
        throw EvalError("format: element syntax a[i] is not supported in replacement fields");
      bool found = false;
      for (auto& [k, v] : args.named)
        if (k == field) {
          arg = v;
          found = true;
        }
      if (!found) throw EvalError("format: keyword " + field + " not found");
    }
    out += conv == 'r' ? repr(arg) : str(arg);
    if (out.size() > (64u << 20)) throw EvalError("formatted string too long");
  }
  return th.make_string(std::move(out));
}

}  // namespace mm::starlark
