#include "query/logql/decolorize.h"

#include "re2/re2.h"

namespace vigie::logql {
namespace {

const re2::RE2& AnsiSequence() {
  static const re2::RE2* const re = new re2::RE2(
      "[\\x{1B}\\x{9B}][[\\]()#;?]*(?:(?:(?:[a-zA-Z\\d]*(?:;[a-zA-Z\\d]*)*)?\\x{07})|"
      "(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PRZcf-ntqry=><~]))");
  return *re;
}

}  // namespace

std::string_view Decolorize(std::string_view line, std::string* buffer) {
  // Every sequence starts with ESC (0x1b) or U+009B (0xc2 0x9b in UTF-8): most lines have
  // neither and skip the regex.
  if (line.find('\x1b') == std::string_view::npos &&
      line.find("\xc2\x9b") == std::string_view::npos) {
    return line;
  }
  buffer->assign(line);
  re2::RE2::GlobalReplace(buffer, AnsiSequence(), "");
  return *buffer;
}

}  // namespace vigie::logql
