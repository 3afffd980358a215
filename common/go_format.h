// Numbers printed as Go prints them, for the places where vigie must show what Prometheus or
// Loki (both Go programs) would show.
//
// Thread safety: pure functions.
#pragma once

#include <string>

namespace vigie {

// Go's %v of a float64 (strconv.FormatFloat(v, 'g', -1, 64)): the shortest digits that read
// back as `value`, in exponent form when the exponent is below -4 or at least 6: 1, 0.5,
// 1e+06, 1.5e-07, +Inf, -Inf, NaN.
std::string FormatGoFloat(double value);

// Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back as `value`,
// without an exponent: 1e+06 is 1000000. Prometheus writes sample values, `le` bounds and
// count_values' labels so; +Inf, -Inf, NaN as above.
std::string FormatGoFloatFixed(double value);

}  // namespace vigie
