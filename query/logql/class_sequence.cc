#include "query/logql/class_sequence.h"

#include <string.h>

#include <algorithm>

#include "store/block.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigie::logql {
namespace {

using Range = std::pair<uint8_t, uint8_t>;

Range Bytes(char lo, char hi) { return {static_cast<uint8_t>(lo), static_cast<uint8_t>(hi)}; }

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsPrintableAscii(char c) { return c >= 0x20 && c < 0x7F; }

// Adds the bytes of the escape at p[*pos] == '\\' to `out` and advances past it: \d, \w (ASCII
// only in re2) or an escaped punctuation character. False for any other escape.
bool ParseEscape(std::string_view p, size_t* pos, std::vector<Range>* out) {
  if (*pos + 1 >= p.size()) return false;
  const char e = p[*pos + 1];
  *pos += 2;
  if (e == 'd') {
    out->push_back(Bytes('0', '9'));
  } else if (e == 'w') {
    out->insert(out->end(), {Bytes('0', '9'), Bytes('A', 'Z'), Bytes('_', '_'), Bytes('a', 'z')});
  } else if (IsPrintableAscii(e) && e != ' ' && !IsAsciiAlnum(e)) {
    out->push_back(Bytes(e, e));
  } else {
    return false;
  }
  return true;
}

// Adds the bytes of the class at p[*pos] == '[' to `out` and advances past its ']'. False for
// a negated class (it matches non-ASCII characters), a POSIX class, a '-' that is not the first
// or last item, a range with an escaped end, and what ParseEscape refuses.
bool ParseClass(std::string_view p, size_t* pos, std::vector<Range>* out) {
  const size_t open = (*pos)++;
  while (*pos < p.size() && p[*pos] != ']') {
    const char c = p[*pos];
    if (c == '\\') {
      if (!ParseEscape(p, pos, out)) return false;
      if (*pos < p.size() && p[*pos] == '-' && *pos + 1 < p.size() && p[*pos + 1] != ']') {
        return false;
      }
      continue;
    }
    if (!IsPrintableAscii(c) || c == '[' || c == '^') return false;
    if (c == '-' && *pos != open + 1 && *pos + 1 < p.size() && p[*pos + 1] != ']') return false;
    if (c != '-' && *pos + 2 < p.size() && p[*pos + 1] == '-' && p[*pos + 2] != ']') {
      const char hi = p[*pos + 2];
      if (!IsPrintableAscii(hi) || hi == '\\' || hi == '[' || hi < c) return false;
      out->push_back(Bytes(c, hi));
      *pos += 3;
      continue;
    }
    out->push_back(Bytes(c, c));
    ++*pos;
  }
  if (*pos >= p.size() || *pos == open + 1) return false;  // Unclosed, or "[]...": re2's ']'.
  ++*pos;
  return true;
}

// An exact repetition {n} or {n,n} at p[*pos] == '{': n, or 0 for anything else.
size_t ParseRepeat(std::string_view p, size_t* pos) {
  auto number = [&](size_t* n) {
    const size_t start = *pos;
    *n = 0;
    while (*pos < p.size() && p[*pos] >= '0' && p[*pos] <= '9' && *pos - start < 4) {
      *n = *n * 10 + (p[(*pos)++] - '0');
    }
    return *pos > start;
  };
  ++*pos;
  size_t n, m;
  if (!number(&n)) return 0;
  if (*pos < p.size() && p[*pos] == ',') {
    ++*pos;
    if (!number(&m) || m != n) return 0;
  }
  if (*pos >= p.size() || p[*pos] != '}') return 0;
  ++*pos;
  return n;
}

// Sorted, with overlapping and adjacent ranges merged: equal sets compare equal.
std::vector<Range> Normalized(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<Range> out;
  for (const Range& r : ranges) {
    if (!out.empty() && r.first <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

std::optional<ClassSequence> ClassSequence::Parse(std::string_view pattern) {
  static constexpr std::string_view kMeta = "\\.+*?()|[]{}^$";
  ClassSequence out;
  for (size_t pos = 0; pos < pattern.size();) {
    std::vector<Range> item;
    const char c = pattern[pos];
    if (c == '\\') {
      if (!ParseEscape(pattern, &pos, &item)) return std::nullopt;
    } else if (c == '[') {
      if (!ParseClass(pattern, &pos, &item)) return std::nullopt;
    } else if (IsPrintableAscii(c) && kMeta.find(c) == std::string_view::npos) {
      item.push_back(Bytes(c, c));
      ++pos;
    } else {
      return std::nullopt;
    }
    size_t times = 1;
    if (pos < pattern.size() && pattern[pos] == '{') {
      times = ParseRepeat(pattern, &pos);
      if (times == 0) return std::nullopt;
    }
    std::vector<Range> ranges = Normalized(std::move(item));
    if (ranges.size() > kMaxRanges || out.sequence_.size() + times > kMaxLength) {
      return std::nullopt;
    }
    const size_t k =
        std::find(out.classes_.begin(), out.classes_.end(), ranges) - out.classes_.begin();
    if (k == out.classes_.size()) {
      if (k == kMaxClasses) return std::nullopt;
      out.classes_.push_back(std::move(ranges));
    }
    out.sequence_.insert(out.sequence_.end(), times, static_cast<uint8_t>(k));
  }
  if (out.sequence_.empty()) return std::nullopt;
  auto bytes_in = [&](size_t j) {
    size_t n = 0;
    for (const Range& r : out.classes_[out.sequence_[j]]) n += r.second - r.first + 1;
    return n;
  };
  out.order_.resize(out.sequence_.size());
  for (size_t j = 0; j < out.order_.size(); ++j) out.order_[j] = static_cast<uint8_t>(j);
  std::stable_sort(out.order_.begin(), out.order_.end(),
                   [&](uint8_t a, uint8_t b) { return bytes_in(a) < bytes_in(b); });
  return out;
}

void ClassSequence::Masks(const char* p, uint64_t* masks) const {
#if defined(__SSE2__)
  __m128i bytes[4];
  for (int q = 0; q < 4; ++q) bytes[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p) + q);
  // Byte b is in [lo, hi] when (b - lo) mod 256 <= hi - lo: unsigned, which SSE2 compares as
  // signed once 0x80 is flipped (hi - lo < 128, every byte of a class being ASCII).
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  for (size_t k = 0; k < classes_.size(); ++k) {
    __m128i in[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(),
                     _mm_setzero_si128()};
    for (const Range& r : classes_[k]) {
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
  for (size_t k = 0; k < classes_.size(); ++k) {
    uint64_t mask = 0;
    for (int i = 0; i < 64; ++i) {
      const uint8_t b = static_cast<uint8_t>(p[i]);
      for (const Range& r : classes_[k]) {
        if (b >= r.first && b <= r.second) mask |= uint64_t{1} << i;
      }
    }
    masks[k] = mask;
  }
#endif
}

template <typename OnEnd>
void ClassSequence::Scan(std::string_view text, size_t pos, OnEnd on_end) const {
  const size_t length = sequence_.size();
  // The masks of the 64 bytes before the current ones, for the matches that begin there.
  uint64_t prev[kMaxClasses] = {}, cur[kMaxClasses];
  while (pos < text.size()) {
    const size_t n = std::min<size_t>(64, text.size() - pos);
    uint64_t ends = ~uint64_t{0};
    if (n == 64) {
      Masks(text.data() + pos, cur);
    } else {
      char tail[64] = {};
      memcpy(tail, text.data() + pos, n);
      Masks(tail, cur);
      ends = (uint64_t{1} << n) - 1;
    }
    // A match ends at bit e when byte e - s is in the class of item length - 1 - s, for every
    // s: each item's mask, moved up by its distance from the end, with what the previous bytes
    // carry in.
    // Items of the smaller classes first: in most chunks they leave no candidate end, and the
    // other items need not be looked at.
    for (size_t i = 0; i < length && ends != 0; ++i) {
      const size_t j = order_[i], s = length - 1 - j;
      const uint8_t k = sequence_[j];
      ends &= s == 0 ? cur[k] : (cur[k] << s) | (prev[k] >> (64 - s));
    }
    size_t resume = npos;
    for (; ends != 0 && resume == npos; ends &= ends - 1) {
      resume = on_end(pos + static_cast<size_t>(__builtin_ctzll(ends)));
    }
    if (resume != npos) {
      pos = resume;
      std::fill(std::begin(prev), std::end(prev), 0);  // Nothing before `resume` counts.
      continue;
    }
    std::copy(std::begin(cur), std::end(cur), std::begin(prev));
    pos += 64;
  }
}

size_t ClassSequence::NextMatchEnd(std::string_view text, size_t pos) const {
  size_t found = npos;
  Scan(text, pos, [&](size_t last_byte) {
    found = last_byte + 1;
    return text.size();  // Stop.
  });
  return found;
}

void ClassSequence::ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                                        const std::function<void(size_t)>& on_match) const {
  if (first >= last) return;
  const size_t length = sequence_.size();
  size_t line = first;
  Scan(block.lines().substr(0, block.offset(last)), block.offset(first), [&](size_t last_byte) {
    // The line of the window's first byte (windows come in order, so the search is short). The
    // lines are back to back: a window that runs into the next line matches neither.
    line = block.LineAt(last_byte + 1 - length, line);
    if (block.offset(line + 1) <= last_byte) return npos;
    on_match(line);
    return size_t{block.offset(line + 1)};
  });
}

}  // namespace vigie::logql
