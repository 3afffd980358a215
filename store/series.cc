#include "store/series.h"

#include <bit>

namespace vigie::store {

bool Sample::operator==(const Sample& other) const {
  return ts_ms == other.ts_ms &&
         std::bit_cast<uint64_t>(value) == std::bit_cast<uint64_t>(other.value);
}

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double value) { return std::bit_cast<uint64_t>(value) == kStaleNaNBits; }

}  // namespace vigie::store
