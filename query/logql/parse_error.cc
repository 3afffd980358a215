#include "query/logql/parse_error.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vigie::logql {
namespace {

constexpr char kOffsetPayload[] = "type.vigie.dev/logql.ErrorOffset";

}  // namespace

absl::Status ParseError(std::string_view query, size_t offset, std::string_view message) {
  offset = std::min(offset, query.size());
  size_t line = 1;
  size_t col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (query[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(query[i]) & 0xC0) != 0x80) {
      ++col;  // UTF-8 continuation bytes belong to the character already counted.
    }
  }
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("parse error at line ", line, ", col ", col, ": ", std::string(message)));
  status.SetPayload(kOffsetPayload, absl::Cord(absl::StrCat(offset)));
  return status;
}

std::optional<size_t> ErrorOffset(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kOffsetPayload);
  size_t offset;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &offset)) return std::nullopt;
  return offset;
}

}  // namespace vigie::logql
