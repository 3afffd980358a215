// Dashboards: YAML files (docs/web.md, "Dashboards") that the web UI lists and draws. vigied
// ships "host" and "service" (web/dashboards/, embedded with the UI); --dashboards DIR adds the
// *.yaml files of a folder, read at each request (edit a file, reload the page), a file named
// like a shipped one replacing it.
//
// Thread safety: the functions are reentrant; a DashboardLibrary is immutable.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "server/http/web_assets.h"

namespace vigie::server {

inline constexpr size_t kMaxDashboardBytes = 1 << 20;
inline constexpr size_t kMaxDashboardPanels = 100;
inline constexpr size_t kMaxDashboardVariables = 20;

// Parses and checks a dashboard's YAML; answers it as JSON with every default filled in:
//   {"title", "description", "variables": [{"name", "label", "source", "match", "default"}],
//    "panels": [{"title", "query", "lang", "unit", "width", "height",
//                "thresholds": [{"value", "color"}]}]}
// InvalidArgument naming the line and the field for anything else (an unknown key, a missing
// query, a width outside 1-12, ...). Never throws.
absl::StatusOr<nlohmann::json> ParseDashboard(std::string_view yaml);

struct DashboardFile {
  std::string name;    // The file's name without .yaml: what the URL names.
  std::string source;  // "shipped" or the folder's path.
  std::string text;
};

class DashboardLibrary {
 public:
  // `shipped`: the UI's files, whose /assets/dashboards/<name>.yaml are the shipped dashboards;
  // `folder`: "" for none.
  DashboardLibrary(std::span<const http::WebAsset> shipped, std::string folder)
      : shipped_(shipped), folder_(std::move(folder)) {}

  // Every dashboard, by name; a folder that cannot be read is an Unavailable error naming it.
  absl::StatusOr<std::vector<DashboardFile>> List() const;
  // NotFound when no dashboard has that name.
  absl::StatusOr<DashboardFile> Find(std::string_view name) const;

 private:
  std::span<const http::WebAsset> shipped_;
  std::string folder_;
};

}  // namespace vigie::server
