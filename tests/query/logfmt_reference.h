// An oracle for LogfmtDecoder (query/logql/logfmt.h): the decoder as first written, one byte at a
// time, straight from go-logfmt's grammar. The production decoder scans 16 bytes at a time; the
// tests and logql_stage_fuzz check that both read every line into the same pairs, values and
// errors. Quoted values are unescaped by the same UnquoteLogfmt.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "query/logql/logfmt.h"

namespace vigie::logql {

class ReferenceLogfmtDecoder {
 public:
  explicit ReferenceLogfmtDecoder(std::string_view line) : line_(line) {}

  bool AtEnd() const { return pos_ >= line_.size(); }
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  const std::string& error() const { return error_; }

  bool Next() {
    key_ = value_ = {};
    while (pos_ < line_.size() && IsSpace(line_[pos_])) ++pos_;
    if (pos_ == line_.size()) return false;
    const size_t start = pos_;
    bool multibyte = false;
    for (; pos_ < line_.size() && !EndsToken(line_[pos_]); ++pos_) {
      multibyte |= static_cast<unsigned char>(line_[pos_]) >= 0x80;
    }
    key_ = line_.substr(start, pos_ - start);
    if (pos_ == line_.size() || IsSpace(line_[pos_])) {
      return multibyte && HasRuneError(key_) ? Fail("invalid key", false) : true;
    }
    if (line_[pos_] == '"') {
      key_ = {};
      return Fail("unexpected '\"'", true);
    }
    if (multibyte && HasRuneError(key_)) return Fail("invalid key", true);
    if (key_.empty()) return Fail("unexpected '='", true);
    ++pos_;
    if (pos_ >= line_.size() || IsSpace(line_[pos_])) return true;
    if (line_[pos_] == '"') return QuotedValue();
    const size_t value_start = pos_;
    while (pos_ < line_.size() && !EndsToken(line_[pos_])) ++pos_;
    if (pos_ < line_.size() && line_[pos_] == '=') return Fail("unexpected '='", true);
    if (pos_ < line_.size() && line_[pos_] == '"') return Fail("unexpected '\"'", true);
    value_ = line_.substr(value_start, pos_ - value_start);
    return true;
  }

 private:
  static bool IsSpace(char c) { return static_cast<unsigned char>(c) <= ' '; }
  static bool EndsToken(char c) { return IsSpace(c) || c == '=' || c == '"'; }

  bool Fail(std::string_view message, bool skip_value) {
    error_ = StrCat("logfmt syntax error at pos ", pos_ + 1, " : ", message);
    if (skip_value) {
      while (pos_ < line_.size() && !IsSpace(line_[pos_])) ++pos_;
    }
    return false;
  }

  bool QuotedValue() {
    const size_t start = pos_;
    bool escaped = false, has_escape = false;
    for (size_t i = pos_ + 1; i < line_.size(); ++i) {
      const char c = line_[i];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = has_escape = true;
      } else if (c == '"') {
        pos_ = i + 1;
        std::string_view quoted = line_.substr(start, pos_ - start);
        if (!has_escape) {
          value_ = quoted.substr(1, quoted.size() - 2);
          return true;
        }
        if (!UnquoteLogfmt(quoted, &unquoted_)) return Fail("invalid quoted value", false);
        value_ = unquoted_;
        return true;
      }
    }
    pos_ = line_.size();
    return Fail("unterminated quoted value", false);
  }

  std::string_view line_;
  size_t pos_ = 0;
  std::string_view key_, value_;
  std::string unquoted_;
  std::string error_;
};

// The calls of Next() on `line`, one line of text each: what it returned, the key, the value and
// the error after it, with AtEnd() after each call; the same text for two decoders that agree.
template <typename Decoder>
std::string DecodeTrace(std::string_view line) {
  Decoder decoder(line);
  std::string out;
  for (size_t calls = 0; !decoder.AtEnd() && calls <= line.size(); ++calls) {
    const bool ok = decoder.Next();
    StrAppend(&out, ok, " [", decoder.key(), "] [", decoder.value(), "] ", decoder.error(), " ",
              decoder.AtEnd(), "\n");
  }
  return out;
}

}  // namespace vigie::logql
