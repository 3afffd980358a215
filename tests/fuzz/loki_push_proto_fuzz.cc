// Fuzzes the Loki snappy-protobuf push decoder: the input is used as the body as it is (snappy
// framing errors), and snappy-compressed (protobuf wire format errors).
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/loki_push_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)vigie::server::http::DecodeLokiProtoPush(input, 1 << 20);
  std::string compressed;
  snappy::Compress(input.data(), input.size(), &compressed);
  auto decoded = vigie::server::http::DecodeLokiProtoPush(compressed, 1 << 20);
  if (decoded.ok()) {
    for (const auto& stream : decoded->batch.streams) {
      for (const auto& entry : stream.entries) {
        if (entry.line.size() > size) __builtin_trap();
      }
    }
  }
  return 0;
}
