#include "query/logql/json_index.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigie::logql {
namespace {

// JSON's white space (RFC 8259), which is also what stage 1 skips between tokens.
bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The first '"' or '\' in text[from, to), or `to`. Reads no byte outside text[0, to): the tail is
// read as the 16 bytes that end at `to` when the text is that long.
size_t FindQuoteOrBackslash(const char* text, size_t from, size_t to) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  auto mask_at = [&](size_t at) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + at));
    return static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash))));
  };
  for (; from + 16 <= to; from += 16) {
    if (unsigned mask = mask_at(from)) return from + __builtin_ctz(mask);
  }
  if (from < to && to >= 16) {
    // The last 16 bytes, less those before `from` (already read).
    const unsigned mask = mask_at(to - 16) >> (from - (to - 16));
    return mask ? from + __builtin_ctz(mask) : to;
  }
#endif
  for (; from < to; ++from) {
    if (text[from] == '"' || text[from] == '\\') return from;
  }
  return to;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Whether `s` is exactly one JSON number.
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// Grows *buffer to hold at least `needed` bytes; its contents are not kept.
bool Reserve(std::unique_ptr<uint8_t[]>* buffer, size_t* capacity, size_t needed) {
  if (*capacity >= needed) return true;
  const size_t grown = std::max(needed, *capacity * 2);
  buffer->reset(new (std::nothrow) uint8_t[grown]);
  *capacity = *buffer ? grown : 0;
  return *buffer != nullptr;
}

}  // namespace

JsonLineIndex::JsonLineIndex() = default;
JsonLineIndex::~JsonLineIndex() = default;

bool JsonLineIndex::Index(std::string_view text) {
  text_ = text;
  size_ = 0;
  unescaped_used_ = 0;
  // Stage 1 uses no nesting depth (stage 2 does): the smallest is asked for.
  constexpr size_t kDepth = 1;
  if (!stage1_ || stage1_->capacity() < text.size()) {
    const size_t capacity = std::max<size_t>(4096, std::bit_ceil(text.size()));
    if (!stage1_) {
      if (simdjson::get_active_implementation()->create_dom_parser_implementation(capacity, kDepth,
                                                                                  stage1_)) {
        stage1_.reset();
        return false;
      }
    } else if (stage1_->allocate(capacity, kDepth)) {
      return false;
    }
  }
  if (!Reserve(&unescaped_, &unescaped_capacity_, text.size() + simdjson::SIMDJSON_PADDING)) {
    return false;
  }
  if (stage1_->stage1(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                      simdjson::stage1_mode::regular)) {
    return false;
  }
  has_backslash_ = std::memchr(text.data(), '\\', text.size()) != nullptr;
  size_ = stage1_->n_structural_indexes;
  // After the last token, the end of the text (there is room: a text has fewer tokens than
  // bytes, and the index as many entries as the capacity, and more).
  stage1_->structural_indexes[size_] = static_cast<uint32_t>(text.size());
  starts_ = stage1_->structural_indexes.get();
  return true;
}

size_t JsonLineIndex::TokenEnd(size_t i) const {
  size_t end = starts_[i + 1];
  while (end > starts_[i] && IsJsonSpace(text_[end - 1])) --end;
  return end;
}

bool JsonLineIndex::StringWithSpaceOrEscape(size_t i, std::string_view* out) {
  const size_t open = starts_[i], end = TokenEnd(i);
  if (end < open + 2 || text_[end - 1] != '"') return false;
  const size_t close = end - 1;
  const size_t special = FindQuoteOrBackslash(text_.data(), open + 1, close);
  if (special == close) {
    *out = text_.substr(open + 1, close - open - 1);
    return true;
  }
  if (text_[special] == '"') return false;  // The string ends before the token does.
  // Escapes: the quote that ends the string must be the token's last byte.
  size_t at = special;
  while (at < close && text_[at] != '"') at += text_[at] == '\\' ? 2 : 1;
  if (at != close) return false;
  return Unescape(open, close, out);
}

bool JsonLineIndex::Unescape(size_t open, size_t close, std::string_view* out) {
  // From the byte after the opening quote to the closing quote included, then padding.
  const size_t raw = close - open;
  if (!Reserve(&escaped_, &escaped_capacity_, raw + simdjson::SIMDJSON_PADDING)) return false;
  std::memcpy(escaped_.get(), text_.data() + open + 1, raw);
  std::memset(escaped_.get() + raw, 0, simdjson::SIMDJSON_PADDING);
  // Unescaping never lengthens a string, and the strings of a text do not overlap: the buffer
  // sized at Index() holds them all, with the padding that the last one writes into.
  uint8_t* dst = unescaped_.get() + unescaped_used_;
  const uint8_t* end = stage1_->parse_string(escaped_.get(), dst);
  if (end == nullptr) return false;
  *out = std::string_view(reinterpret_cast<const char*>(dst), end - dst);
  unescaped_used_ += end - dst;
  return true;
}

bool JsonLineIndex::Number(size_t i, std::string_view* out) const {
  if (i >= size_) return false;
  const std::string_view token = text_.substr(starts_[i], TokenEnd(i) - starts_[i]);
  if (!IsJsonNumber(token)) return false;
  *out = token;
  return true;
}

bool JsonLineIndex::Literal(size_t i, std::string_view* out) const {
  if (i >= size_) return false;
  const std::string_view token = text_.substr(starts_[i], TokenEnd(i) - starts_[i]);
  if (token != "true" && token != "false" && token != "null") return false;
  *out = token;
  return true;
}

}  // namespace vigie::logql
