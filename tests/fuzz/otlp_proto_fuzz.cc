// Fuzzes OTLP's protobuf bodies (gRPC and application/x-protobuf): ExportMetricsServiceRequest
// and ExportLogsServiceRequest decoding, then their mapping (otlp_check.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/otlp_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigie::fuzz::CheckOtlpBody(std::string_view(reinterpret_cast<const char*>(data), size),
                             vigie::server::otlp::Encoding::kProtobuf);
  return 0;
}
