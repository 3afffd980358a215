// Fuzzes the remote_write path: the input is used as the body as it is (snappy framing errors)
// and snappy-compressed (protobuf errors); decoded requests go through the Ingester's
// validation. Asserts that a request is either refused whole with a reason or that every sample
// of it is accepted unaltered (its series' labels, time and value bit for bit) or counted as
// refused with a reason; and that every accepted series has valid canonical labels and their id.
#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "server/http/remote_write_decode.h"
#include "tests/fuzz/push_check.h"

namespace {

using vigie::fuzz::KeyOf;
using SampleKey = std::tuple<std::string, int64_t, uint64_t>;  // Labels, time, value bits.

uint64_t Bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

void Check(std::string_view body) {
  auto decoded = vigie::server::http::DecodeRemoteWrite(body, {.max_bytes = 1 << 20});
  if (!decoded.ok()) {
    FUZZ_CHECK(!decoded.status().message().empty());
    return;
  }
  std::map<SampleKey, int> sent;
  uint64_t total = 0;
  const vigie::server::ReceivedSeriesList& received = decoded->batch.series;
  std::vector<vigie::LabelView> views;
  for (size_t i = 0; i < received.size(); ++i) {
    total += received.Samples(i).size() + received.Histograms(i);
    received.Labels(i, &views);
    std::vector<vigie::Label> labels;
    for (const vigie::LabelView& l : views)
      labels.push_back({std::string(l.name), std::string(l.value)});
    for (const vigie::store::Sample& sample : received.Samples(i)) {
      ++sent[{KeyOf(labels, "").first, sample.ts_ms, Bits(sample.value)}];
    }
  }
  FUZZ_CHECK(total == received.SampleCount());
  vigie::Limits limits;
  limits.reject_older_than_ns = 30LL * 86400 * 1'000'000'000;
  constexpr int64_t kNow = 1'700'000'000'000'000'000;
  vigie::fuzz::NullAppender appender;
  vigie::server::Ingester ingester(&appender, nullptr, nullptr, limits, [] { return kNow; });
  auto prepared = ingester.Prepare(std::move(decoded->batch));
  if (!prepared.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(prepared.status()));
    FUZZ_CHECK(vigie::IsValidUtf8(std::string(prepared.status().message())));
    return;
  }
  uint64_t accepted = 0;
  const vigie::store::SeriesBatch& series = prepared->request.series;
  for (size_t i = 0; i < series.size(); ++i) {
    absl::StatusOr<vigie::LabelSet> labels = vigie::LabelSet::Decode(series.Labels(i));
    FUZZ_CHECK(labels.ok());
    FUZZ_CHECK(labels->Encode() == series.Labels(i));  // Canonical.
    FUZZ_CHECK(labels->Hash() == series.Id(i));
    FUZZ_CHECK(!labels->Get("__name__").empty());
    FUZZ_CHECK(vigie::IsValidUtf8(labels->ToString()));
    for (const vigie::store::Sample& sample : series.Samples(i)) {
      ++accepted;
      SampleKey key{KeyOf(labels->labels(), "").first, sample.ts_ms, Bits(sample.value)};
      FUZZ_CHECK(sent[key]-- > 0);  // Accepted as sent: nothing altered.
    }
  }
  FUZZ_CHECK(accepted + prepared->refused.count == total);
  FUZZ_CHECK(prepared->refused.count == 0 || !prepared->refused.reason.empty());
  FUZZ_CHECK(vigie::IsValidUtf8(prepared->refused.reason));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Check(input);
  std::string compressed;
  snappy::Compress(input.data(), input.size(), &compressed);
  Check(compressed);
  return 0;
}
