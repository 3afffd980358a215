// Go library functions that several template dialects call: regexp replacement, strings.Title,
// url.QueryEscape, strconv.ParseFloat.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::gotemplate {

// regexp.MustCompile(pattern).ReplaceAllString(src, repl) ($1, ${1}, $name, ${name}, $$ in
// `repl`), or ReplaceAllLiteralString when `literal`. Fails on a bad pattern ("error parsing
// regexp: ...") or a result over kMaxOutput.
absl::StatusOr<std::string> RegexpReplaceAll(const std::string& pattern, const std::string& src,
                                             std::string_view repl, bool literal);
// strings.Title: the first letter of each word upper-cased, where words are separated by ASCII
// bytes other than letters, digits and '_' (bytes beyond ASCII count as letters).
std::string GoTitle(std::string s);
// url.QueryEscape: A-Z a-z 0-9 - _ . ~ kept, space as '+', other bytes as %XX.
std::string QueryEscape(std::string_view s);
// strconv.ParseFloat(s, 64): decimal, exponent, Inf/Infinity/NaN in any case with a sign; fails
// as Go does: `strconv.ParseFloat: parsing "one": invalid syntax` (or "value out of range").
absl::StatusOr<double> ParseGoFloat(std::string_view s);

}  // namespace vigie::gotemplate
