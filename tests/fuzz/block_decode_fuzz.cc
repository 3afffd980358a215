// Fuzzes the log block decoder: any bytes must decode or fail cleanly, and what decodes must
// re-encode to a block that decodes to the same entries.
#include <cstdint>
#include <cstdlib>

#include "store/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigie::store::DecodedBlock block;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!vigie::store::DecodeBlock(input, &block).ok()) return 0;
  std::vector<vigie::store::LogEntry> entries;
  for (size_t i = 0; i < block.size(); ++i) {
    entries.push_back({block.ts(i), std::string(block.line(i))});
  }
  vigie::store::DecodedBlock again;
  if (!vigie::store::DecodeBlock(vigie::store::EncodeBlock(entries, 1), &again).ok()) abort();
  if (again.size() != block.size() || again.lines() != block.lines()) abort();
  return 0;
}
