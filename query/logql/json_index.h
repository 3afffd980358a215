// The structural index of one JSON line, for the fast path of | json (stage_json.cc).
//
// simdjson's stage 1 finds where every token of a JSON text starts ('{', '}', '[', ']', ':', ','
// the opening quote of a string, the first byte of a number or literal), with the SIMD kernel
// chosen for the CPU at run time (AVX2, AVX-512), and validates the UTF-8 of the whole text on
// the way. It reads the text in place, no byte past its end: no padded copy of the line is made.
// JsonLineIndex then reads the tokens strictly (RFC 8259): a caller that meets a token it does
// not accept reads the line again with simdjson's On-Demand API, which decides what the error is.
// Strict reading is a subset of what On-Demand accepts, with the same text for every value, so
// the two agree wherever the index accepts.
//
// Thread safety: none; one per thread (a stage's per-thread state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace simdjson::internal {
class dom_parser_implementation;
}

namespace vigie::logql {

class JsonLineIndex {
 public:
  JsonLineIndex();
  ~JsonLineIndex();
  JsonLineIndex(const JsonLineIndex&) = delete;
  JsonLineIndex& operator=(const JsonLineIndex&) = delete;

  // Indexes `text`, which is not copied and must outlive the reading of the index. Returns false
  // when stage 1 rejects the text (invalid UTF-8, an unclosed string, a control character in a
  // string, nothing but white space) or memory runs out: the caller then reads it otherwise.
  bool Index(std::string_view text);

  // The number of tokens.
  size_t size() const { return size_; }
  // The first byte of token i ('{', '"', 't', '1', ...), or '\0' at or past size().
  char At(size_t i) const { return i < size_ ? text_[starts_[i]] : '\0'; }

  // The contents of string token i when it is strictly one JSON string followed by nothing but
  // white space up to the next token, unescaped: a view of the text when it has no escape, else
  // of a buffer of the index (valid until the next Index(), whatever is read after it). False
  // when it is not, or an escape is invalid.
  bool String(size_t i, std::string_view* out) {
    if (At(i) != '"') return false;
    const size_t open = starts_[i], close = starts_[i + 1] - 1;
    // Most strings: no backslash in the text, and a quote right before the next token. Stage 1
    // accepted the text, so the string closes at the first quote after `open`, and what follows
    // up to the next token is white space (a byte other than white space right after a string
    // starts a token): the quote before the next token is that first one.
    if (!has_backslash_ && close > open && text_[close] == '"') {
      *out = text_.substr(open + 1, close - open - 1);
      return true;
    }
    return StringWithSpaceOrEscape(i, out);
  }
  // Token i when it is strictly a JSON number, `true`, `false` or `null` followed by nothing but
  // white space up to the next token: its text, as written.
  bool Number(size_t i, std::string_view* out) const;
  bool Literal(size_t i, std::string_view* out) const;

 private:
  // Where token i ends: at the start of the next one, white space before it excluded.
  size_t TokenEnd(size_t i) const;
  bool StringWithSpaceOrEscape(size_t i, std::string_view* out);
  bool Unescape(size_t open, size_t close, std::string_view* out);

  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1_;
  std::string_view text_;
  // Where each token starts, then (at size_) the end of the text.
  const uint32_t* starts_ = nullptr;
  size_t size_ = 0;
  // Whether the text has a backslash: in a text without one (most lines), no string needs
  // unescaping.
  bool has_backslash_ = false;
  // Strings with escapes: the raw contents copied with simdjson's padding (its unescaping reads
  // and writes in SIMD blocks past the ends), and the unescaped texts one after the other.
  std::unique_ptr<uint8_t[]> escaped_, unescaped_;
  size_t escaped_capacity_ = 0, unescaped_capacity_ = 0, unescaped_used_ = 0;
};

}  // namespace vigie::logql
