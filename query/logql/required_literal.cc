#include "query/logql/required_literal.h"

#include <optional>
#include <string>
#include <vector>

#include "query/logql/literal_info.h"
#include "query/logql/regex_scan.h"

namespace vigie::logql {
namespace {

using internal::LiteralInfo;

// Group nesting beyond this is not analysed (the pattern then gives ""); it bounds recursion.
constexpr int kMaxDepth = 100;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A recursive-descent reader of re2's syntax that computes LiteralInfo bottom-up. It must find
// the same structure re2 does (where groups, classes and escapes end); wherever it is unsure it
// gives up (nullopt), which makes RequiredLiteral() return "".
class Analyzer {
 public:
  // With `case_folded`, computes what the case-folded form of every match contains (see
  // RequiredFoldedLiteral).
  Analyzer(std::string_view pattern, bool case_folded) : p_(pattern), case_folded_(case_folded) {}

  std::optional<LiteralInfo> Run() {
    std::optional<LiteralInfo> info = Alternation(/*fold=*/false, 0);
    if (pos_ != p_.size()) return std::nullopt;  // An unbalanced ')': re2 rejects it too.
    return info;
  }

 private:
  bool At(char c) const { return pos_ < p_.size() && p_[pos_] == c; }

  // `fold` is (?i), which applies from where it is set to the end of the enclosing group,
  // across later branches of an alternation too.
  std::optional<LiteralInfo> Alternation(bool fold, int depth) {
    std::vector<LiteralInfo> branches;
    while (true) {
      LiteralInfo seq = internal::Exact("");
      while (pos_ < p_.size() && !At('|') && !At(')')) {
        std::optional<LiteralInfo> atom = Atom(&fold, depth);
        if (!atom || !Repetitions(&*atom)) return std::nullopt;
        seq = internal::Concat(seq, *atom);
      }
      branches.push_back(std::move(seq));
      if (!At('|')) break;
      ++pos_;
    }
    return branches.size() == 1 ? branches[0] : internal::Alternate(branches);
  }

  std::optional<LiteralInfo> Atom(bool* fold, int depth) {
    switch (p_[pos_]) {
      case '(':
        return Group(fold, depth);
      case '[':
      case '\\':
        return Item(*fold);
      case '.':
        ++pos_;
        return internal::Unknown();
      case '^':
      case '$':
        ++pos_;
        return internal::Exact("");  // Zero-width: adds no bytes and breaks no literal.
      case '*':
      case '+':
      case '?':
        return std::nullopt;  // A repetition with nothing to repeat: re2 rejects it.
      case '{':
        if (RepeatEnd(pos_, nullptr, nullptr) != std::string_view::npos) return std::nullopt;
        break;  // Not a valid repetition: re2 reads '{' as a literal.
    }
    return Character(internal::ScanChar(p_, &pos_), *fold);
  }

  // A literal character; under (?i) a letter matches its other cases (and, for k and s, Unicode
  // signs), and non-ASCII characters are not analysed, so both become unknown, except in the
  // case-folded analysis, where an ASCII character is its lower case whatever (?i) says.
  LiteralInfo Character(std::string ch, bool fold) const {
    if (case_folded_) {
      if (ch.size() > 1 || static_cast<unsigned char>(ch[0]) >= 0x80) return internal::Unknown();
      if (ch[0] >= 'A' && ch[0] <= 'Z') ch[0] = static_cast<char>(ch[0] + 32);
      return internal::Exact(std::move(ch));
    }
    if (fold && (ch.size() > 1 || IsAsciiLetter(ch[0]))) return internal::Unknown();
    return internal::Exact(std::move(ch));
  }

  // An escape or a bracketed class.
  std::optional<LiteralInfo> Item(bool fold) {
    std::string ch;
    internal::ReItem item = p_[pos_] == '[' ? internal::ScanClass(p_, &pos_, &ch)
                                            : internal::ScanEscape(p_, &pos_, false, &ch);
    switch (item) {
      case internal::ReItem::kChar:
        return Character(std::move(ch), fold);
      case internal::ReItem::kSet:
        return internal::Unknown();
      case internal::ReItem::kEmpty:
        return internal::Exact("");
      case internal::ReItem::kBad:
        break;
    }
    return std::nullopt;
  }

  // ( ... ), (?: ... ), (?P<name> ... ), (?flags: ... ) and (?flags).
  std::optional<LiteralInfo> Group(bool* fold, int depth) {
    if (depth >= kMaxDepth) return std::nullopt;
    ++pos_;
    bool inner_fold = *fold;
    if (At('?')) {
      ++pos_;
      if (p_.substr(pos_, 2) == "P<") {
        pos_ = p_.find('>', pos_);
        if (pos_ == std::string_view::npos) return std::nullopt;
        ++pos_;
      } else if (!Flags(&inner_fold)) {
        return std::nullopt;
      } else if (p_[pos_ - 1] == ')') {
        // A repetition right after (?flags) repeats the atom before them in re2 ("b(?i)?" is
        // "b?"), which this analysis does not model: claim nothing.
        if (At('*') || At('+') || At('?') ||
            (At('{') && RepeatEnd(pos_, nullptr, nullptr) != std::string_view::npos)) {
          return std::nullopt;
        }
        *fold = inner_fold;  // (?i) alone: it changes the rest of the enclosing group.
        return internal::Exact("");
      }
    }
    std::optional<LiteralInfo> inner = Alternation(inner_fold, depth + 1);
    if (!inner || !At(')')) return std::nullopt;
    ++pos_;
    return inner;
  }

  // Reads flags up to and including the ':' or ')' that ends them.
  bool Flags(bool* fold) {
    bool negated = false;
    while (pos_ < p_.size()) {
      char f = p_[pos_++];
      if (f == ':' || f == ')') return true;
      if (f == '-') {
        negated = true;
      } else if (f == 'i') {
        *fold = !negated;
      } else if (f != 'm' && f != 's' && f != 'U') {
        return false;
      }
    }
    return false;
  }

  bool Repetitions(LiteralInfo* atom) {
    while (pos_ < p_.size()) {
      int min;
      int max;
      char c = p_[pos_];
      if (c == '*' || c == '+' || c == '?') {
        min = c == '+' ? 1 : 0;
        max = c == '?' ? 1 : -1;
        ++pos_;
      } else if (size_t end = c == '{' ? RepeatEnd(pos_, &min, &max) : std::string_view::npos;
                 end != std::string_view::npos) {
        pos_ = end;
      } else {
        return true;
      }
      if (At('?')) ++pos_;  // Non-greedy: the same strings match.
      *atom = internal::Repeat(*atom, min, min == max);
    }
    return true;
  }

  // If a repetition {n}, {n,} or {n,m} starts at `at`, the offset just past it, else npos.
  size_t RepeatEnd(size_t at, int* min, int* max) const {
    size_t i = at + 1;
    int lo;
    if (!Number(&i, &lo)) return std::string_view::npos;
    int hi = lo;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      hi = -1;
      if (i < p_.size() && IsDigit(p_[i]) && !Number(&i, &hi)) return std::string_view::npos;
    }
    if (i >= p_.size() || p_[i] != '}') return std::string_view::npos;
    if (min) *min = lo;
    if (max) *max = hi;
    return i + 1;
  }

  // Reads a decimal number at *i as re2 does: no leading zero, and a number that reaches 10^8
  // makes the braces literal text rather than a repetition.
  bool Number(size_t* i, int* value) const {
    if (*i >= p_.size() || !IsDigit(p_[*i])) return false;
    if (p_[*i] == '0' && *i + 1 < p_.size() && IsDigit(p_[*i + 1])) return false;
    for (*value = 0; *i < p_.size() && IsDigit(p_[*i]); ++*i) {
      if (*value >= 100000000) return false;
      *value = *value * 10 + p_[*i] - '0';
    }
    return true;
  }

  std::string_view p_;
  const bool case_folded_;
  size_t pos_ = 0;
};

}  // namespace

std::string RequiredLiteral(std::string_view re2_pattern) {
  std::optional<LiteralInfo> info = Analyzer(re2_pattern, /*case_folded=*/false).Run();
  return info ? info->best : "";
}

std::string RequiredFoldedLiteral(std::string_view re2_pattern) {
  std::optional<LiteralInfo> info = Analyzer(re2_pattern, /*case_folded=*/true).Run();
  return info ? info->best : "";
}

}  // namespace vigie::logql
