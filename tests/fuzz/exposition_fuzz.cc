// Fuzzes the exposition-format parser (text 0.0.4 and OpenMetrics, picked by the first byte): no
// crash, no read outside the input, and every sample it accepts has valid names, UTF-8 label
// values and a series text that is a prefix of its own line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/labels.h"
#include "common/prometheus/exposition.h"
#include "common/utf8.h"

namespace {

class Checker : public vigie::exposition::ExpositionHandler {
 public:
  explicit Checker(std::string_view body) : body_(body) {}
  void OnSample(const vigie::exposition::ExpositionSample& s) override {
    if (!vigie::IsValidMetricName(s.name)) abort();
    if (!s.series.starts_with(s.name) || !Inside(s.series)) abort();
    for (const vigie::LabelView& l : s.labels) {
      if (!vigie::IsValidLabelName(l.name) || !vigie::IsValidUtf8(l.value)) abort();
    }
  }
  void OnHelp(std::string_view metric, std::string_view) override { Check(metric); }
  void OnType(std::string_view metric, std::string_view) override { Check(metric); }
  void OnUnit(std::string_view metric, std::string_view) override { Check(metric); }
  void OnError(size_t line, std::string_view message) override {
    if (line == 0 || message.empty()) abort();
  }

 private:
  bool Inside(std::string_view v) const {
    return v.data() >= body_.data() && v.data() + v.size() <= body_.data() + body_.size();
  }
  void Check(std::string_view metric) const {
    if (!vigie::IsValidMetricName(metric) || !Inside(metric)) abort();
  }
  std::string_view body_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto format = data[0] & 1 ? vigie::exposition::ExpositionFormat::kOpenMetrics
                            : vigie::exposition::ExpositionFormat::kText;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Checker checker(body);
  vigie::exposition::ExpositionParser parser;
  parser.Parse(body, format, &checker);
  parser.Parse(body, format, &checker);  // Reused buffers must not change anything.
  return 0;
}
