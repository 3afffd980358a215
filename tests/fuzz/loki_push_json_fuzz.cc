// Fuzzes the Loki JSON push decoder, directly and through gzip (Content-Encoding: gzip).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/http/gzip.h"
#include "server/http/loki_push_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto decoded = vigie::server::http::DecodeLokiJsonPush(body);
  if (decoded.ok()) {
    // Every stream is kept, in order; a stream's labels are either usable or carry an error.
    for (const auto& stream : decoded->batch.streams) {
      if (!stream.labels.ok() && stream.labels.status().message().empty()) __builtin_trap();
    }
  }
  auto inflated = vigie::server::http::Gunzip(body, 1 << 20);
  if (inflated.ok()) (void)vigie::server::http::DecodeLokiJsonPush(*inflated);
  return 0;
}
