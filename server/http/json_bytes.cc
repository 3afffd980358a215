#include "server/http/json_bytes.h"

#include <charconv>
#include <cstdlib>

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::server::http {

namespace {

using nlohmann::json;

constexpr int kMaxDepth = 100;

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  absl::StatusOr<json> Document() {
    json value;
    if (!Value(&value, 0)) return error_;
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail("the end of the document");
      return error_;
    }
    return value;
  }

 private:
  bool Value(json* out, int depth) {
    SkipSpace();
    if (pos_ == text_.size()) return Fail("a value");
    char c = text_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxDepth) return Fail(StrCat("at most ", kMaxDepth, " levels of nesting"));
      return c == '{' ? Object(out, depth + 1) : Array(out, depth + 1);
    }
    if (c == '"') {
      std::string s;
      if (!String(&s)) return false;
      *out = std::move(s);
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(out);
    for (auto [word, value] :
         {std::pair<std::string_view, json>{"true", true}, {"false", false}, {"null", nullptr}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        *out = value;
        return true;
      }
    }
    return Fail("a value");
  }

  bool Object(json* out, int depth) {
    ++pos_;  // '{'
    *out = json::object();
    SkipSpace();
    if (Consume('}')) return true;
    while (true) {
      SkipSpace();
      std::string key;
      if (pos_ == text_.size() || text_[pos_] != '"') return Fail("a string key");
      if (!String(&key)) return false;
      SkipSpace();
      if (!Consume(':')) return Fail("':'");
      json value;
      if (!Value(&value, depth)) return false;
      (*out)[key] = std::move(value);  // A repeated key: the last one wins, as in Go.
      SkipSpace();
      if (Consume('}')) return true;
      if (!Consume(',')) return Fail("',' or '}'");
    }
  }

  bool Array(json* out, int depth) {
    ++pos_;  // '['
    *out = json::array();
    SkipSpace();
    if (Consume(']')) return true;
    while (true) {
      json value;
      if (!Value(&value, depth)) return false;
      out->push_back(std::move(value));
      SkipSpace();
      if (Consume(']')) return true;
      if (!Consume(',')) return Fail("',' or ']'");
    }
  }

  bool Number(json* out) {
    size_t start = pos_;
    Consume('-');
    if (Consume('0')) {
    } else if (!Digits()) {
      return Fail("a digit");
    }
    bool integer = true;
    if (Consume('.')) {
      integer = false;
      if (!Digits()) return Fail("a digit after '.'");
    }
    if (Consume('e') || Consume('E')) {
      integer = false;
      if (!Consume('+')) Consume('-');
      if (!Digits()) return Fail("a digit in the exponent");
    }
    std::string_view number = text_.substr(start, pos_ - start);
    int64_t i = 0;
    if (integer && std::from_chars(number.begin(), number.end(), i).ec == std::errc()) {
      *out = i;
    } else {
      *out = std::strtod(std::string(number).c_str(), nullptr);
    }
    return true;
  }

  bool Digits() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  // Four hex digits of a \u escape.
  bool Hex4(uint32_t* out) {
    if (text_.size() - pos_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      v = v << 4 | static_cast<uint32_t>(d);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  bool String(std::string* out) {
    ++pos_;  // '"'
    while (true) {
      size_t run = pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\' &&
             static_cast<unsigned char>(text_[pos_]) >= 0x20) {
        ++pos_;
      }
      out->append(text_.substr(run, pos_ - run));
      if (pos_ == text_.size()) return Fail("'\"' closing the string");
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        --pos_;
        return Fail("an escape (\\n, \\t, \\u0001...) for the control character");
      }
      if (pos_ == text_.size()) return Fail("an escape");
      char e = text_[pos_++];
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (size_t k = kFrom.find(e); k != std::string_view::npos) {
        out->push_back(kTo[k]);
        continue;
      }
      uint32_t cp;
      if (e != 'u' || !Hex4(&cp))
        return Fail("an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
      if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
        size_t back = pos_;
        pos_ += 2;
        uint32_t low;
        if (Hex4(&low) && low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else {
          pos_ = back;  // A lone high surrogate; what follows is read on its own.
        }
      }
      AppendUtf8(cp, out);
    }
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Records the error at the current position; returns false for the callers to unwind.
  bool Fail(std::string_view expected) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string found = pos_ < text_.size()
                            ? StrCat("\"", EscapeForMessage(text_.substr(pos_), 16), "\"")
                            : std::string("the end of the body");
    error_ = absl::InvalidArgumentError(
        StrCat("line ", line, ", column ", column, ": expected ", expected, ", found ", found));
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<json> ParseJsonBytes(std::string_view text) { return Reader(text).Document(); }

}  // namespace vigie::server::http
