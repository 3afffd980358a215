// Fuzzes the receivers builder with notify files: never a crash or an exception; an error names
// the file; a built receiver renders, for each integration, a request whose body is JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "alerts/notify/receivers.h"
#include "alerts/notify/render.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::alerts::notify;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(reinterpret_cast<const char*>(data), size));
    if (!root.IsMap()) return 0;
  } catch (const YAML::Exception&) {
    return 0;  // Not YAML: the loader's parse step reports it.
  }
  auto receivers = BuildReceivers(root["receivers"], root["global"], "notify.yaml");
  if (!receivers.ok()) {
    Check(std::string(receivers.status().message()).starts_with("notify.yaml"));
    return 0;
  }
  vigie::alerts::Notification n;
  vigie::alerts::Alert alert;
  alert.labels = *vigie::LabelSet::Make({{"alertname", "A"}, {"severity", "page"}});
  alert.annotations = {{"summary", "s"}, {"runbook_url", "https://r"}};
  alert.starts_at_ms = 1'700'000'000'000;
  n.alerts = {alert};
  n.group_key = "{}:{alertname=\"A\"}";
  for (const auto& [name, receiver] : receivers->by_name) {
    n.receiver = name;
    for (const Integration& integration : receiver.integrations) {
      HttpRequest request = RenderRequest(integration, n, alert.starts_at_ms);
      Check(!request.url.empty());
      Check(nlohmann::json::accept(request.body));
    }
  }
  return 0;
}
