// Fuzzes OTLP/JSON bodies (application/json): decoding with hex trace and span ids, then the
// mapping (otlp_check.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/otlp_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigie::fuzz::CheckOtlpBody(std::string_view(reinterpret_cast<const char*>(data), size),
                             vigie::server::otlp::Encoding::kJson);
  return 0;
}
