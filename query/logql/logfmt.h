// Reading logfmt (`level=info msg="a b" took=12ms`) as Loki's decoder does (its copy of
// go-logfmt): keys are runs of bytes above space without '=' or '"', values are bare runs or
// double-quoted strings with JSON escapes. A malformed pair is skipped up to the next space and
// reported; the caller decides whether to go on (| logfmt) or stop (| logfmt --strict).
//
// Thread safety: none; a decoder reads one line on one thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::logql {

class LogfmtDecoder {
 public:
  // `line` is not copied and must outlive the decoder.
  explicit LogfmtDecoder(std::string_view line) : line_(line) {}

  // True once the whole line is read.
  bool AtEnd() const { return pos_ >= line_.size(); }

  // Reads the next pair into key() and value(). Returns false at a syntax error (error() says
  // which; the decoder has moved past the bad pair) or when only spaces remained. A key without
  // '=' has an empty value, and so has `key=`.
  bool Next();

  // Moves to the next pair whose key may contain one of `anchors` (each not empty, of letters
  // and digits) without reading the pairs before it, whose keys contain none, as pairs: a pair that
  // does not open a quoted value ends at the next space, so only the `="` where a quoted value may
  // open need a pair read (inside, to find where the value ends). Returns false, at the end, when
  // no such pair is left. The pairs that Next() then reads are, in order, every pair whose key
  // contains an anchor that Next() alone would have read, and some others. error() no longer tells
  // the first error of the line. One pass over the bytes up to that pair looks for the anchors and
  // the `="` together.
  bool SkipToKeyWith(const std::vector<std::string>& anchors);

  std::string_view key() const { return key_; }
  // Valid until the next call of Next().
  std::string_view value() const { return value_; }
  // The last syntax error, as Loki words it ("logfmt syntax error at pos 5 : unexpected '='"),
  // or "".
  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string_view message, bool skip_value);
  bool QuotedValue();

  std::string_view line_;
  size_t pos_ = 0;
  std::string_view key_, value_;
  std::string unquoted_;
  std::string error_;
};

// Decodes the quoted logfmt value `quoted` (with its quotes), whose escapes are JSON's. Returns
// false on an invalid escape or a control character. Invalid UTF-8 becomes U+FFFD.
bool UnquoteLogfmt(std::string_view quoted, std::string* out);

// True when `s` holds invalid UTF-8 or U+FFFD: Loki empties such values (Prometheus rejects
// them).
bool HasRuneError(std::string_view s);

}  // namespace vigie::logql
