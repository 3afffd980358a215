// The StatsD line format, as Etsy's statsd reads it, with DogStatsD's tags:
//   <name>:<value>|<type>[|@<sample rate>][|#<tag>:<value>,...]
// with types c (counter), g (gauge; "+n"/"-n" is a change), ms (timer, >= 0), h and d
// (histogram, distribution: timers of any value) and s (set). As in Etsy's statsd, one line
// may carry several values of one name, "<name>:<v>|<t>:<v>|<t>...", each checked on its own.
// docs/collector.md has the details and where vigie differs from Etsy's daemon.
//
// Thread safety: stateless; the views in StatsdLine point into the parsed line.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vigie::collector {

enum class StatsdType : uint8_t { kCounter, kGauge, kTimer, kHistogram, kSet };

struct StatsdValue {
  StatsdType type = StatsdType::kCounter;
  double number = 0;        // Counter increment, gauge value or change, timer or histogram value.
  double sample_rate = 1;   // In (0, +inf); the counter or timer count is scaled by 1/rate.
  bool delta = false;       // A gauge change ("+3", "-2") rather than a value.
  std::string_view member;  // A set's value.
};

struct StatsdLine {
  std::string_view name;  // As sent: not yet mapped to a Prometheus name.
  std::string_view tags;  // DogStatsD's "k:v,k2:v2", or empty.
  std::vector<StatsdValue> values;
  size_t malformed = 0;         // Values refused.
  const char* error = nullptr;  // Why the first of them was refused.
};

// Parses one line (without its '\n'; a trailing '\r' is ignored) into `out`, reusing its
// storage. An empty line holds no values and is not malformed.
void ParseStatsdLine(std::string_view line, StatsdLine* out);

// Parses a whole number in JavaScript's Number() sense restricted to decimal notation: an
// optional sign, digits with an optional fraction and exponent, or Infinity. False for anything
// else (NaN, hex, spaces, empty).
bool ParseStatsdNumber(std::string_view text, double* out);

}  // namespace vigie::collector
