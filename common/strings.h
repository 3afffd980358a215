// String helpers that accept std::string_view (absl::string_view is a distinct type in Debian's
// abseil build, so absl::StrCat and absl::SimpleAtoi do not take std::string_view).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "absl/strings/string_view.h"

// absl::Status::message() returns absl::string_view: let fmt (and so StrCat) print it.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(absl::string_view s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.data(), s.size()), ctx);
  }
};

namespace vigie {

// Concatenates the arguments' fmt "{}" renderings.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (fmt::format_to(std::back_inserter(out), "{}", args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (fmt::format_to(std::back_inserter(*out), "{}", args), ...);
}

// The value of hexadecimal digit `c`, or -1.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether `a` and `b` hold the same bytes: inline, for the short keys and names that a call to
// memcmp would take longer to reach than to compare (a parser matching each key of a line).
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  auto load = [](const char* p, auto word) {
    std::memcpy(&word, p, sizeof(word));
    return word;
  };
  if (n >= 8 && n <= 16) {
    const uint64_t w = 0;
    return ((load(a.data(), w) ^ load(b.data(), w)) |
            (load(a.data() + n - 8, w) ^ load(b.data() + n - 8, w))) == 0;
  }
  if (n >= 4 && n < 8) {
    const uint32_t w = 0;
    return ((load(a.data(), w) ^ load(b.data(), w)) |
            (load(a.data() + n - 4, w) ^ load(b.data() + n - 4, w))) == 0;
  }
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return std::memcmp(a.data(), b.data(), n) == 0;
}

// ASCII case-insensitive comparisons (HTTP header values, schemes, tokens).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}
inline bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// Whole-string numeric parsing; false on any trailing byte, overflow or empty input.
template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// `text` without leading and trailing ASCII whitespace.
inline std::string_view TrimAsciiSpace(std::string_view text) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace vigie
