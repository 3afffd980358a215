#include "query/logql/regex.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "query/logql/quote.h"

namespace vigie::logql {

absl::StatusOr<std::shared_ptr<const re2::RE2>> CompileRegex(std::string_view pattern,
                                                             const Limits& limits) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // The error goes back to the user, not to our stderr.
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern), options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid regex ", Quote(pattern), ": ", re->error()));
  }
  if (static_cast<int64_t>(re->ProgramSize()) > limits.max_regex_program_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("regex too complex: ", Quote(pattern), " compiles to ", re->ProgramSize(),
                     " instructions, more than the limit of ", limits.max_regex_program_size));
  }
  return re;
}

}  // namespace vigie::logql
