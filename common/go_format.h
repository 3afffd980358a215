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

}  // namespace vigie
