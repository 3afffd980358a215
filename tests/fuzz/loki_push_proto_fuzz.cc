// Fuzzes the Loki snappy-protobuf push path: the input is used as the body as it is (snappy
// framing errors), and snappy-compressed (protobuf wire format errors); decoded batches go
// through the Ingester's validation. Asserts that every entry is stored byte-exact or refused
// with a reason (push_check.h), and, when protobuf's own parser reads the same message, that
// the hand-written decoder found the same entries.
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "loki/push.pb.h"
#include "server/http/loki_push_decode.h"
#include "tests/fuzz/push_check.h"

namespace {

using vigie::fuzz::EntryCounts;

constexpr size_t kMaxBody = 1 << 20;

void Check(std::string_view body, std::string_view raw) {
  auto decoded = vigie::server::http::DecodeLokiProtoPush(body, kMaxBody);
  if (!decoded.ok()) return;
  logproto::PushRequest request;
  bool readable = request.ParseFromArray(raw.data(), static_cast<int>(raw.size()));
  EntryCounts reference;
  uint64_t total = 0;
  for (const logproto::StreamAdapter& stream : request.streams()) {
    total += stream.entries_size();
    absl::StatusOr<vigie::LabelSet> labels = vigie::LabelSet::Parse(stream.labels());
    if (!labels.ok()) continue;
    for (const logproto::EntryAdapter& entry : stream.entries()) {
      ++reference[vigie::fuzz::KeyOf(labels->labels(), entry.line())];
    }
  }
  vigie::fuzz::CheckIngest(*std::move(decoded), readable ? &reference : nullptr, total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The reference decoding of the input as a body, when its claimed size is one the decoder
  // under test would accept (a few bytes may claim gigabytes).
  size_t claimed = 0;
  std::string raw;
  if (snappy::GetUncompressedLength(input.data(), input.size(), &claimed) && claimed <= kMaxBody &&
      snappy::Uncompress(input.data(), input.size(), &raw)) {
    Check(input, raw);
  }
  std::string compressed;
  snappy::Compress(input.data(), input.size(), &compressed);
  Check(compressed, input);
  return 0;
}
