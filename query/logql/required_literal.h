// Literal pre-filtering for regex line filters: a byte string that every match of a regex
// contains lets the engine skip, with memmem over whole blocks, the lines that cannot match.
//
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace vigie::logql {

// The longest literal that every match of the re2 pattern must contain, or "" when none can be
// proven. Conservative: it never returns a literal that some match could lack. It follows
// concatenations, groups, repetitions with a minimum of at least one, single-character classes
// and escapes; an alternation contributes only what all its branches share at their start or
// end (so `a|b` gives ""), and a letter under (?i) is treated as unknown, so `(?i)foo` gives "".
// Syntax it does not model (\Q...\E, deep nesting, patterns re2 rejects) gives "". The result
// is at most 256 bytes: longer literals add nothing to a pre-filter.
std::string RequiredLiteral(std::string_view re2_pattern);

// The same analysis up to ASCII case: the longest literal, in lower case and ASCII, that the
// case-folded form (store::CaseFold) of every match contains. Letters under (?i) count here
// (`(?i)foo` gives "foo", `(?i)disk` gives "disk": re2 folds k to the Kelvin sign too, which
// CaseFold reads as k); letters outside it count lowered (`Foo` gives "foo"); any non-ASCII
// character is unknown.
std::string RequiredFoldedLiteral(std::string_view re2_pattern);

}  // namespace vigie::logql
