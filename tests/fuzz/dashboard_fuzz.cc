// Fuzzes the dashboards' parser (server/dashboards.h): any input is either refused with
// InvalidArgument or parsed into a dashboard with its fields in bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/dashboards.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<nlohmann::json> dashboard = vigie::server::ParseDashboard(text);
  if (!dashboard.ok()) {
    if (dashboard.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  const nlohmann::json& panels = (*dashboard)["panels"];
  if (panels.empty() || panels.size() > vigie::server::kMaxDashboardPanels) abort();
  for (const nlohmann::json& panel : panels) {
    int width = panel["width"];
    if (width < 1 || width > 12 || panel["query"].get<std::string>().empty()) abort();
  }
  dashboard->dump();  // Valid UTF-8 only: dump() would throw on anything else.
  return 0;
}
