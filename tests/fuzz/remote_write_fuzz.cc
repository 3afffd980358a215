// Fuzzes the remote_write path: the input is used as the body as it is (snappy framing errors)
// and snappy-compressed (protobuf errors); decoded requests go through the Ingester's
// validation. Asserts that a request is either refused whole with a reason or that every sample
// of it is accepted unaltered (its series' labels, time and value bit for bit) or counted as
// refused with a reason; that no accepted series has invalid labels; and that the accepted
// samples of a series are sorted by time.
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
  for (const vigie::server::ReceivedSeries& s : decoded->batch.series) {
    total += s.samples.size() + s.histograms;
    if (!s.labels.ok()) continue;
    for (const vigie::store::Sample& sample : s.samples) {
      ++sent[{KeyOf(*s.labels, "").first, sample.ts_ms, Bits(sample.value)}];
    }
  }
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
  for (const vigie::store::SeriesSamples& s : prepared->request.series) {
    FUZZ_CHECK(!s.labels.Get("__name__").empty());
    FUZZ_CHECK(vigie::IsValidUtf8(s.labels.ToString()));
    for (size_t i = 0; i < s.samples.size(); ++i) {
      if (i > 0) FUZZ_CHECK(s.samples[i - 1].ts_ms <= s.samples[i].ts_ms);
      ++accepted;
      SampleKey key{KeyOf(s.labels.labels(), "").first, s.samples[i].ts_ms,
                    Bits(s.samples[i].value)};
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
