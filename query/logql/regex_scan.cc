#include "query/logql/regex_scan.h"

namespace vigie::logql::internal {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// Skips a {...} argument (of \p{Greek} or \x{263a}) when one starts at *pos, else one character.
bool SkipArgument(std::string_view p, size_t* pos) {
  if (*pos >= p.size()) return false;
  if (p[*pos] != '{') {
    ScanChar(p, pos);
    return true;
  }
  size_t end = p.find('}', *pos);
  if (end == std::string_view::npos) return false;
  *pos = end + 1;
  return true;
}

// One character of a class, plain or escaped.
ReItem ScanClassChar(std::string_view p, size_t* pos, std::string* ch) {
  if (p[*pos] == '\\') return ScanEscape(p, pos, /*in_class=*/true, ch);
  *ch = ScanChar(p, pos);
  return ReItem::kChar;
}

}  // namespace

std::string ScanChar(std::string_view p, size_t* pos) {
  unsigned char c = p[*pos];
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  std::string ch(p.substr(*pos, len));
  *pos += ch.size();
  return ch;
}

ReItem ScanEscape(std::string_view p, size_t* pos, bool in_class, std::string* ch) {
  if (*pos + 1 >= p.size()) return ReItem::kBad;
  char e = p[*pos + 1];
  *pos += 2;
  switch (e) {
    case 'd':
    case 'D':
    case 's':
    case 'S':
    case 'w':
    case 'W':
    case 'C':
      return ReItem::kSet;
    case 'p':
    case 'P':
      return SkipArgument(p, pos) ? ReItem::kSet : ReItem::kBad;
    case 'x':
      // \xHH or \x{H...}: a known character, but not decoded here, which is merely less precise.
      if (*pos < p.size() && p[*pos] == '{') {
        return SkipArgument(p, pos) ? ReItem::kSet : ReItem::kBad;
      }
      if (*pos + 2 > p.size()) return ReItem::kBad;
      *pos += 2;
      return ReItem::kSet;
    case 'b':
    case 'B':
    case 'A':
    case 'z':
      return in_class ? ReItem::kBad : ReItem::kEmpty;
  }
  if (IsOctal(e)) {
    // Up to three octal digits in all, like re2; not decoded (see \x).
    for (int k = 0; k < 2 && *pos < p.size() && IsOctal(p[*pos]); ++k) ++*pos;
    return ReItem::kSet;
  }
  static constexpr std::string_view kControl = "a\af\fn\nr\rt\tv\v";
  for (size_t k = 0; k < kControl.size(); k += 2) {
    if (kControl[k] == e) {
      *ch = std::string(1, kControl[k + 1]);
      return ReItem::kChar;
    }
  }
  // re2 takes any other escaped ASCII character that is not a letter or digit as itself.
  if (static_cast<unsigned char>(e) < 0x80 && !IsAsciiAlnum(e)) {
    *ch = std::string(1, e);
    return ReItem::kChar;
  }
  return ReItem::kBad;  // \Q...\E, back-references and the like.
}

ReItem ScanClass(std::string_view p, size_t* pos, std::string* ch) {
  ++*pos;
  bool negated = *pos < p.size() && p[*pos] == '^';
  if (negated) ++*pos;
  int items = 0;
  ReItem only = ReItem::kSet;
  // re2 reads a ']' right after '[' or '[^' as a literal.
  for (bool first = true;; first = false) {
    if (*pos >= p.size()) return ReItem::kBad;
    if (p[*pos] == ']' && !first) break;
    ReItem item;
    if (p.substr(*pos, 2) == "[:" && p.find(":]", *pos + 2) != std::string_view::npos) {
      *pos = p.find(":]", *pos + 2) + 2;  // [:alpha:], as re2 reads it: up to the first ":]".
      item = ReItem::kSet;
    } else {
      item = ScanClassChar(p, pos, ch);
    }
    if (item == ReItem::kBad) return ReItem::kBad;
    if (*pos + 1 < p.size() && p[*pos] == '-' && p[*pos + 1] != ']') {
      ++*pos;  // A range: read its upper end.
      std::string hi;
      if (ScanClassChar(p, pos, &hi) == ReItem::kBad) return ReItem::kBad;
      item = ReItem::kSet;
    }
    only = item;
    ++items;
  }
  ++*pos;
  return (items == 1 && only == ReItem::kChar && !negated) ? ReItem::kChar : ReItem::kSet;
}

}  // namespace vigie::logql::internal
