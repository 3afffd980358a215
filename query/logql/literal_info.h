// The algebra behind RequiredLiteral(): what is known of every string a piece of a regex
// matches, and how that knowledge combines. Internal to vigie_logql.
//
// Every rule is conservative: a field only ever holds a string that each match really has, so
// combining pieces may lose knowledge but never invent it.
#pragma once

#include <string>
#include <vector>

namespace vigie::logql::internal {

// Literals are cut to this many bytes: longer ones add nothing to a memmem pre-filter, and the
// bound keeps nested repetitions such as (ab){1000} from building large strings.
inline constexpr size_t kMaxLiteral = 256;

struct LiteralInfo {
  bool exact = false;  // Every match is exactly `prefix` (then prefix == suffix == best).
  std::string prefix;  // Every match starts with it.
  std::string suffix;  // Every match ends with it.
  std::string best;    // Every match contains it: the longest such literal known.
};

// A piece about whose matches nothing is known ("." or [a-z]).
inline LiteralInfo Unknown() { return {}; }
// A piece that matches exactly `s` ("" for the empty pattern and zero-width assertions).
LiteralInfo Exact(std::string s);
// The pieces one after the other: ab.
LiteralInfo Concat(const LiteralInfo& a, const LiteralInfo& b);
// Any one of the pieces: a|b. `alternatives` is not empty.
LiteralInfo Alternate(const std::vector<LiteralInfo>& alternatives);
// The piece repeated at least `min` times (x* x+ x? x{n,m}); the maximum does not matter beyond
// whether it equals `min`, which `exactly` says.
LiteralInfo Repeat(const LiteralInfo& x, int min, bool exactly);

}  // namespace vigie::logql::internal
