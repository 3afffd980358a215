// Fuzzes alerting rule templates (Prometheus's dialect): the input's first line is the template,
// the following words the alert's label values, $value and the values a {{ query }} returns.
// Beyond "no crash, no hang": errors read as documented (parse errors name a position, render
// errors Go's location), output stays under its bound, and expanding twice gives the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "query/gotemplate/alert_template.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

// Labels l0, l1, ... from the words of `rest`; $value and the query's values from their lengths.
vigie::gotemplate::AlertTemplateData WordData(std::string_view rest) {
  vigie::gotemplate::AlertTemplateData data;
  std::vector<vigie::gotemplate::QuerySample> samples;
  size_t i = 0;
  for (size_t start = 0; start < rest.size() && i < 8; ++i) {
    size_t end = std::min(rest.find(' ', start), rest.size());
    std::string word(rest.substr(start, end - start));
    data.labels["l" + std::to_string(i)] = word;
    samples.push_back({{{"instance", word}, {"__name__", "m"}}, static_cast<double>(i) * 1.5});
    start = end + 1;
  }
  data.external_labels = {{"cluster", "c1"}};
  data.external_url = "http://vigie:9470/prefix";
  data.value = static_cast<double>(rest.size()) / 7;
  data.eval_time = absl::FromUnixSeconds(1700000000);
  data.query = [samples](
                   std::string_view query,
                   absl::Time) -> absl::StatusOr<std::vector<vigie::gotemplate::QuerySample>> {
    if (query == "fail") return absl::UnavailableError("query failed");
    return samples;
  };
  return data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = std::min(text.find('\n'), text.size());
  absl::StatusOr<vigie::gotemplate::AlertTemplate> t =
      vigie::gotemplate::AlertTemplate::Parse(text.substr(0, newline), "F");
  if (!t.ok()) {
    Check(t.status().message().find("template: line ") == 0);
    return 0;
  }
  const vigie::gotemplate::AlertTemplateData alert =
      WordData(newline < size ? text.substr(newline + 1) : std::string_view());
  absl::StatusOr<std::string> first = t->Expand(alert);
  absl::StatusOr<std::string> second = t->Expand(alert);
  Check(first.ok() == second.ok());
  if (!first.ok()) {
    Check(first.status().message().find(
              "error executing template __alert_F: template: __alert_F") == 0);
    Check(first.status().message() == second.status().message());
    return 0;
  }
  // A little slack over 1 MiB for the last value appended before the check.
  Check(first->size() <= (3u << 20));
  Check(*first == *second);
  return 0;
}
