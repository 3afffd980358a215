#include "cli/time_flags.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include "common/time.h"

namespace vigie::cli {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool Fail(std::string_view flag, std::string_view value, std::string_view why) {
  std::cerr << "vigie: " << flag << " " << value << ": " << why << "\n";
  return false;
}

}  // namespace

bool ParseDurationFlag(std::string_view flag, std::string_view value, int64_t* out) {
  const std::string examples = " (write e.g. 90s, 15m, 1.5h, 2d or 1h30m)";
  if (value.empty()) return Fail(flag, value, "is empty" + examples);
  size_t numeric = 0;
  while (numeric < value.size() && (IsDigit(value[numeric]) || value[numeric] == '.')) ++numeric;
  if (numeric == value.size()) {
    return Fail(flag, value,
                "needs a unit: " + std::string(value) + "s, " + std::string(value) + "m or " +
                    std::string(value) + "h?");
  }
  if (value.find('T') != std::string_view::npos || value.find(':') != std::string_view::npos ||
      std::count(value.begin(), value.end(), '-') >= 2) {
    return Fail(flag, value,
                std::string(flag) + " takes a duration back from --to" + examples +
                    "; for a point in time use --from " + std::string(value));
  }
  double total = 0;
  std::string_view rest = value;
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() && (IsDigit(rest[n]) || rest[n] == '.')) ++n;
    size_t u = n;
    while (u < rest.size() && !IsDigit(rest[u]) && rest[u] != '.') ++u;
    std::string number(rest.substr(0, n)), unit(rest.substr(n, u - n));
    char* end = nullptr;
    double amount = n == 0 ? NAN : strtod(number.c_str(), &end);
    if (n == 0 || end != number.c_str() + number.size()) {
      return Fail(flag, value, "expected a number" + examples);
    }
    auto unit_ns = ParseDuration("1" + unit);
    if (unit.empty() || !unit_ns.ok()) {
      return Fail(flag, value, "unknown unit \"" + unit + "\"" + examples);
    }
    total += amount * static_cast<double>(*unit_ns);
    rest.remove_prefix(u);
  }
  if (!(total < 9.2e18)) return Fail(flag, value, "is too large");
  *out = static_cast<int64_t>(std::llround(total));
  return true;
}

bool ParseTimeFlag(std::string_view flag, std::string_view value, int64_t fallback, int64_t* out) {
  if (value.empty()) {
    *out = fallback;
    return true;
  }
  auto t = ParseTime(value);
  if (!t.ok()) return Fail(flag, value, std::string(t.status().message()));
  *out = *t;
  return true;
}

}  // namespace vigie::cli
