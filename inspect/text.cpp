#include "inspect/text.h"

namespace mm::inspect {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
    out += '?';  // C0 and C1 controls: they would move a terminal's cursor
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | cp >> 18);
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::string clean_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    const auto b = static_cast<uint8_t>(raw[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (b < 0x80) {
      n = 1, cp = b;
    } else if ((b & 0xe0) == 0xc0) {
      n = 2, cp = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      n = 3, cp = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      n = 4, cp = b & 0x07, min = 0x10000;
    }
    bool ok = n > 0 && i + n <= raw.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto c = static_cast<uint8_t>(raw[i + k]);
      ok = (c & 0xc0) == 0x80;
      cp = cp << 6 | (c & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8.
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += '?';
      ++i;
      continue;
    }
    append_utf8(out, cp);
    i += n;
  }
  return out;
}

std::string fixed_field(std::span<const uint8_t> field) {
  size_t end = 0;
  while (end < field.size() && field[end] != 0) ++end;
  while (end > 0 && field[end - 1] == ' ') --end;
  return clean_text(std::string_view(reinterpret_cast<const char*>(field.data()), end));
}

std::string utf16le_to_utf8(std::span<const uint8_t> field) {
  std::string out;
  for (size_t i = 0; i + 1 < field.size(); i += 2) {
    uint32_t cp = static_cast<uint32_t>(field[i] | field[i + 1] << 8);
    if (cp == 0) break;
    if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < field.size()) {
      const uint32_t lo = static_cast<uint32_t>(field[i + 2] | field[i + 3] << 8);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i += 2;
      }
    }
    if (cp >= 0xd800 && cp < 0xe000) cp = '?';
    append_utf8(out, cp);
  }
  return out;
}

}  // namespace mm::inspect
