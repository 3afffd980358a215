// Compiling the re2 regexes of label matchers and line filters under the query limits.
//
// Thread safety: the returned RE2 is immutable; its const methods may be called concurrently.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "re2/re2.h"

namespace vigie::logql {

// Compiles `pattern` with re2's default (UTF-8, Perl-like) syntax. Fails with InvalidArgument
// "invalid regex ...: <re2's reason>" when re2 rejects it, and "regex too complex ..." when its
// program is larger than limits.max_regex_program_size (a bound on the memory and time every
// match of it may take). Anchoring is the caller's choice at match time (FullMatch or
// PartialMatch), so one compiled form serves both.
absl::StatusOr<std::shared_ptr<const re2::RE2>> CompileRegex(std::string_view pattern,
                                                             const Limits& limits);

}  // namespace vigie::logql
