#include "query/logql/byte_regex.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigie::logql {
namespace {

using Ranges = std::vector<ByteRange>;

ByteRange Bytes(uint8_t lo, uint8_t hi) { return {lo, hi}; }

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsPrintableAscii(char c) { return c >= 0x20 && c < 0x7F; }

// Sorted, overlapping and adjacent ranges merged (equal sets compare equal), then split where
// ASCII ends.
ByteClass Normalized(Ranges ranges) {
  std::sort(ranges.begin(), ranges.end());
  ByteClass out;
  for (const ByteRange& r : ranges) {
    if (!out.ranges.empty() && r.first <= out.ranges.back().second + 1) {
      out.ranges.back().second = std::max(out.ranges.back().second, r.second);
    } else {
      out.ranges.push_back(r);
    }
  }
  for (size_t i = 0; i < out.ranges.size(); ++i) {
    ByteRange& r = out.ranges[i];
    if (r.first < 0x80 && r.second >= 0x80) {
      const uint8_t hi = r.second;
      r.second = 0x7F;
      out.ranges.insert(out.ranges.begin() + i + 1, Bytes(0x80, hi));
    }
  }
  return out;
}

// The bytes not in `ranges` (sorted and merged).
Ranges Complement(const Ranges& ranges) {
  Ranges out;
  int next = 0;
  for (const ByteRange& r : ranges) {
    if (r.first > next) out.push_back(Bytes(next, r.first - 1));
    next = r.second + 1;
  }
  if (next <= 0xFF) out.push_back(Bytes(next, 0xFF));
  return out;
}

// The bytes of re2's Perl class \e (d, w, s and their negations \D, \W, \S, which hold every
// character beyond ASCII). False for other letters.
bool PerlClass(char e, Ranges* out) {
  Ranges ranges;
  switch (e | 0x20) {
    case 'd':
      ranges = {Bytes('0', '9')};
      break;
    case 'w':
      ranges = {Bytes('0', '9'), Bytes('A', 'Z'), Bytes('_', '_'), Bytes('a', 'z')};
      break;
    case 's':  // re2's \s is [\t\n\f\r ]: no vertical tab.
      ranges = {Bytes('\t', '\n'), Bytes('\f', '\r'), Bytes(' ', ' ')};
      break;
    default:
      return false;
  }
  if (e >= 'A' && e <= 'Z') ranges = Complement(ranges);
  out->insert(out->end(), ranges.begin(), ranges.end());
  return true;
}

// The one byte an escape \e stands for (\t \n \r \f, escaped ASCII punctuation), or -1.
int EscapedByte(char e) {
  switch (e) {
    case 't':
      return '\t';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 'f':
      return '\f';
  }
  return IsPrintableAscii(e) && e != ' ' && !IsAsciiAlnum(e) ? static_cast<uint8_t>(e) : -1;
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  std::optional<ByteRegex> All() {
    std::optional<ByteRegex> out = Alternation(0);
    if (!out || pos_ != p_.size()) return std::nullopt;
    return out;
  }

 private:
  bool At(char c) const { return pos_ < p_.size() && p_[pos_] == c; }
  bool AtQuantifier() const {
    return pos_ < p_.size() && std::string_view("*+?{").find(p_[pos_]) != std::string_view::npos;
  }

  std::optional<ByteRegex> Alternation(int depth) {
    ByteRegex alternate{.kind = ByteRegex::Kind::kAlternate};
    while (true) {
      std::optional<ByteRegex> branch = Concat(depth);
      if (!branch) return std::nullopt;
      alternate.subs.push_back(*std::move(branch));
      if (!At('|')) break;
      ++pos_;
    }
    if (alternate.subs.size() == 1) return std::move(alternate.subs[0]);
    return alternate;
  }

  std::optional<ByteRegex> Concat(int depth) {
    ByteRegex concat{.kind = ByteRegex::Kind::kConcat};
    while (pos_ < p_.size() && !At('|') && !At(')')) {
      std::optional<ByteRegex> atom = Atom(depth);
      if (!atom) return std::nullopt;
      if (AtQuantifier()) {
        ByteRegex repeat{.kind = ByteRegex::Kind::kRepeat};
        if (!Quantifier(&repeat.min, &repeat.max)) return std::nullopt;
        if (At('?')) ++pos_;                      // Non-greedy: the same lines match.
        if (AtQuantifier()) return std::nullopt;  // a** and the like: not modelled.
        repeat.subs.push_back(*std::move(atom));
        atom = std::move(repeat);
      }
      concat.subs.push_back(*std::move(atom));
    }
    if (concat.subs.size() == 1) return std::move(concat.subs[0]);
    return concat;
  }

  // * + ? {n} {n,} {n,m} at pos_.
  bool Quantifier(int* min, int* max) {
    const char c = p_[pos_++];
    if (c != '{') {
      *min = c == '+' ? 1 : 0;
      *max = c == '?' ? 1 : ByteRegex::kUnbounded;
      return true;
    }
    // re2 reads a '{' that does not start a valid repetition as itself: refused, to be safe.
    auto number = [&](int* n) {
      const size_t start = pos_;
      *n = 0;
      while (pos_ < p_.size() && p_[pos_] >= '0' && p_[pos_] <= '9' && pos_ - start < 4) {
        *n = *n * 10 + (p_[pos_++] - '0');
      }
      // re2 reads a number with a leading zero ({04}) as no repetition at all.
      return pos_ > start && !(p_[start] == '0' && pos_ > start + 1);
    };
    if (!number(min)) return false;
    *max = *min;
    if (At(',')) {
      ++pos_;
      *max = ByteRegex::kUnbounded;
      if (!At('}') && !number(max)) return false;
    }
    if (!At('}')) return false;
    ++pos_;
    return *min <= ByteRegex::kMaxRepeat && *max <= ByteRegex::kMaxRepeat &&
           (*max == ByteRegex::kUnbounded || *max >= *min);
  }

  std::optional<ByteRegex> Atom(int depth) {
    const char c = p_[pos_];
    if (c == '(') return Group(depth);
    Ranges ranges;
    if (c == '[') {
      if (!Class(&ranges)) return std::nullopt;
    } else if (c == '\\') {
      if (pos_ + 1 >= p_.size()) return std::nullopt;
      const char e = p_[pos_ + 1];
      pos_ += 2;
      if (const int byte = EscapedByte(e); byte >= 0) {
        ranges.push_back(Bytes(byte, byte));
      } else if (!PerlClass(e, &ranges)) {
        return std::nullopt;
      }
    } else if (c == '.') {
      ++pos_;
      ranges = Complement({Bytes('\n', '\n')});  // re2's '.' is any character but '\n'.
    } else if (IsPrintableAscii(c) &&
               std::string_view("\\.+*?()|[]{}^$").find(c) == std::string_view::npos) {
      ++pos_;
      ranges.push_back(Bytes(c, c));
    } else {
      return std::nullopt;
    }
    return ByteRegex{.kind = ByteRegex::Kind::kClass, .cls = Normalized(std::move(ranges))};
  }

  // (...), (?:...) or (?P<name>...) at pos_; other (? forms are flags.
  std::optional<ByteRegex> Group(int depth) {
    if (depth >= ByteRegex::kMaxDepth) return std::nullopt;
    ++pos_;
    if (p_.substr(pos_).starts_with("?:")) {
      pos_ += 2;
    } else if (p_.substr(pos_).starts_with("?P<")) {
      const size_t close = p_.find('>', pos_);
      if (close == std::string_view::npos) return std::nullopt;
      pos_ = close + 1;
    } else if (At('?')) {
      return std::nullopt;
    }
    std::optional<ByteRegex> inner = Alternation(depth + 1);
    if (!inner || !At(')')) return std::nullopt;
    ++pos_;
    return inner;
  }

  // A bracketed class at pos_ == '[', its bytes added to `out`.
  bool Class(Ranges* out) {
    ++pos_;
    const bool negated = At('^');
    if (negated) ++pos_;
    const size_t first = pos_;
    if (At(']')) return false;  // re2 reads a ']' there as itself: refused, to be safe.
    Ranges ranges;
    while (pos_ < p_.size() && !At(']')) {
      const char c = p_[pos_];
      // A '-' is itself at either end of the class; elsewhere only a range's (and no escape
      // starts or ends one here).
      auto range_follows = [&] {
        return pos_ + 2 < p_.size() && p_[pos_ + 1] == '-' && p_[pos_ + 2] != ']';
      };
      if (c == '\\') {
        if (pos_ + 1 >= p_.size()) return false;
        const char e = p_[++pos_];
        if (range_follows()) return false;
        ++pos_;
        if (const int byte = EscapedByte(e); byte >= 0) {
          ranges.push_back(Bytes(byte, byte));
        } else if (!PerlClass(e, &ranges)) {
          return false;
        }
        continue;
      }
      if (!IsPrintableAscii(c) || c == '[' || c == '^') return false;
      if (c == '-' && pos_ != first && pos_ + 1 < p_.size() && p_[pos_ + 1] != ']') return false;
      if (c != '-' && range_follows()) {
        const char hi = p_[pos_ + 2];
        if (!IsPrintableAscii(hi) || hi == '\\' || hi == '[' || hi < c) return false;
        ranges.push_back(Bytes(c, hi));
        pos_ += 3;
        continue;
      }
      ranges.push_back(Bytes(c, c));
      ++pos_;
    }
    if (!At(']')) return false;
    ++pos_;
    ranges = Normalized(std::move(ranges)).ranges;
    if (negated) ranges = Complement(ranges);
    out->insert(out->end(), ranges.begin(), ranges.end());
    return true;
  }

  std::string_view p_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<ByteRegex> ByteRegex::Parse(std::string_view pattern) {
  return Parser(pattern).All();
}

void ClassMasks(const std::vector<ByteClass>& classes, const char* p, uint64_t* masks) {
#if defined(__SSE2__)
  __m128i bytes[4];
  for (int q = 0; q < 4; ++q) bytes[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p) + q);
  // Byte b is in [lo, hi] when (b - lo) mod 256 <= hi - lo: unsigned, which SSE2 compares as
  // signed once 0x80 is flipped (hi - lo < 128: no range holds both ASCII and other bytes).
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  for (size_t k = 0; k < classes.size(); ++k) {
    __m128i in[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(),
                     _mm_setzero_si128()};
    for (const ByteRange& r : classes[k].ranges) {
      const __m128i lo = _mm_set1_epi8(static_cast<char>(r.first));
      if (r.first == r.second) {
        for (int q = 0; q < 4; ++q) in[q] = _mm_or_si128(in[q], _mm_cmpeq_epi8(bytes[q], lo));
        continue;
      }
      const __m128i bound = _mm_set1_epi8(static_cast<char>(int{r.second} - int{r.first} - 127));
      for (int q = 0; q < 4; ++q) {
        const __m128i shifted = _mm_xor_si128(_mm_sub_epi8(bytes[q], lo), flip);
        in[q] = _mm_or_si128(in[q], _mm_cmplt_epi8(shifted, bound));
      }
    }
    uint64_t mask = 0;
    for (int q = 0; q < 4; ++q) {
      mask |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(in[q]))} << (16 * q);
    }
    masks[k] = mask;
  }
#else
  for (size_t k = 0; k < classes.size(); ++k) {
    uint64_t mask = 0;
    for (int i = 0; i < 64; ++i) {
      const uint8_t b = static_cast<uint8_t>(p[i]);
      for (const ByteRange& r : classes[k].ranges) {
        if (b >= r.first && b <= r.second) mask |= uint64_t{1} << i;
      }
    }
    masks[k] = mask;
  }
#endif
}

}  // namespace vigie::logql
