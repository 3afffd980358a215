// Fuzzes the Loki JSON push path, directly and through gzip (Content-Encoding: gzip): decoding
// (server/http/json_bytes, loki_push_decode) then the Ingester's validation. Asserts that every
// entry of the body is stored byte-exact or refused with a reason (push_check.h), and, when
// nlohmann's strict parser reads the same body, that both decoders agree on what it holds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nlohmann/json.hpp"
#include "server/http/gzip.h"
#include "server/http/loki_push_decode.h"
#include "tests/fuzz/push_check.h"

namespace {

using nlohmann::json;
using vigie::Label;
using vigie::fuzz::EntryCounts;

// The entries of `body` as nlohmann reads it (valid UTF-8 JSON without NUL bytes only): every
// element of the "values" of every stream counts in `total`; those of the form [string, string(,
// object)] in a stream whose labels are all strings are keyed in `entries`. False if not readable.
bool Reference(std::string_view body, EntryCounts* entries, uint64_t* total) {
  // nlohmann reads a NUL byte as the end of the input, ignoring what follows.
  if (body.find('\0') != std::string_view::npos) return false;
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  auto streams = doc.find("streams");
  if (streams == doc.end() || !streams->is_array()) return false;
  for (const json& s : *streams) {
    if (!s.is_object()) continue;
    auto values = s.find("values");
    if (values == s.end() || !values->is_array()) continue;
    *total += values->size();
    auto labels_json = s.find("stream");
    if (labels_json == s.end() || !labels_json->is_object()) continue;
    std::vector<Label> labels;
    bool strings = true;
    for (const auto& [name, value] : labels_json->items()) {
      strings = strings && value.is_string();
      if (value.is_string()) labels.push_back({name, value.get<std::string>()});
    }
    if (!strings) continue;
    for (const json& v : *values) {
      if (v.is_array() && v.size() >= 2 && v[0].is_string() && v[1].is_string()) {
        ++(*entries)[vigie::fuzz::KeyOf(labels, v[1].get<std::string>())];
      }
    }
  }
  return true;
}

void Check(std::string_view body) {
  auto decoded = vigie::server::http::DecodeLokiJsonPush(body);
  EntryCounts reference;
  uint64_t total = 0;
  bool readable = Reference(body, &reference, &total);
  if (!decoded.ok()) {
    // What nlohmann reads, ours reads too, but for nesting deeper than ours allows.
    FUZZ_CHECK(!readable ||
               decoded.status().message().find("levels of nesting") != std::string_view::npos);
    return;
  }
  vigie::fuzz::CheckIngest(*std::move(decoded), readable ? &reference : nullptr, total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  Check(body);
  auto inflated = vigie::server::http::Gunzip(body, 1 << 20);
  if (inflated.ok()) Check(*inflated);
  return 0;
}
