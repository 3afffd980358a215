// Fuzzes the Graphite plaintext parser: no crash, no read outside the input, and a line taken
// has a path, a value that is a number and a timestamp that is now or not negative.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collector/inputs/graphite_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  vigie::collector::GraphiteLine line;
  const char* why = vigie::collector::ParseGraphiteLine(raw, 42, &line);
  if (why || line.path.empty()) return 0;
  auto inside = [&](std::string_view v) {
    return v.empty() || (v.data() >= raw.data() && v.end() <= raw.end());
  };
  if (!inside(line.path)) abort();
  for (const auto& [name, value] : line.tags) {
    if (name.empty() || value.empty() || !inside(name) || !inside(value)) abort();
  }
  if (std::isnan(line.value) || line.ts_ms < 0) abort();
  return 0;
}
