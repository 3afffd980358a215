#include "server/http/notify_api.h"

#include "alerts/notify/render.h"
#include "common/strings.h"
#include "server/http/json_encode.h"
#include "server/http/prom_json.h"

namespace vigie::server {
namespace {

using alerts::notify::OutboxEntry;

nlohmann::json EntryJson(const OutboxEntry& entry) {
  return {{"id", std::to_string(entry.seq)},
          {"receiver", entry.receiver},
          {"integration", entry.integration},
          {"group_key", entry.group_key},
          {"created", alerts::notify::GoTime(entry.created_ms)},
          {"attempts", entry.attempts},
          {"last_error", entry.last_error},
          {"status_code", entry.status_code}};
}

http::Response ListNotifications(alerts::notify::Outbox* outbox, const http::Request& request) {
  std::string_view state = request.Param("state").value_or("queued");
  std::vector<OutboxEntry> entries;
  if (state == "queued") {
    entries = outbox->Queued();
  } else if (state == "failed") {
    auto failed = outbox->Failed();
    if (!failed.ok()) return http::StatusError(failed.status());
    entries = *std::move(failed);
  } else {
    return http::JsonError(400, StrCat("state: unknown value \"", state,
                                       "\"; use queued (pending delivery) or failed (dead "
                                       "letters)"));
  }
  nlohmann::json data = nlohmann::json::array();
  for (const OutboxEntry& entry : entries) data.push_back(EntryJson(entry));
  return http::PromSuccess(std::move(data));
}

constexpr std::string_view kReceiversPrefix = "/api/v1/receivers/";
constexpr std::string_view kTestSuffix = "/test";

http::Response TestReceiver(alerts::notify::Outbox* outbox, const http::Request& request) {
  std::string_view path = request.path;
  if (!path.ends_with(kTestSuffix) || path.size() <= kReceiversPrefix.size() + kTestSuffix.size()) {
    return http::JsonError(404, "not found: use POST /api/v1/receivers/NAME/test");
  }
  std::string name = http::PercentDecode(path.substr(
      kReceiversPrefix.size(), path.size() - kReceiversPrefix.size() - kTestSuffix.size()));
  auto results = outbox->TestReceiver(name);
  if (!results.ok()) return http::StatusError(results.status());
  nlohmann::json data = nlohmann::json::array();
  for (const auto& result : *results) {
    data.push_back({{"integration", result.integration},
                    {"ok", result.error.empty()},
                    {"status_code", result.status_code},
                    {"error", result.error}});
  }
  return http::PromSuccess(std::move(data));
}

}  // namespace

std::vector<HttpEndpoint> NotifyEndpoints(alerts::notify::Outbox* outbox) {
  return {
      {"/api/v1/notifications",
       false,
       {"GET"},
       Scope::kQuery,
       [outbox](const http::Request& r) { return ListNotifications(outbox, r); }},
      {std::string(kReceiversPrefix),
       true,
       {"POST"},
       Scope::kAdmin,
       [outbox](const http::Request& r) { return TestReceiver(outbox, r); }},
  };
}

}  // namespace vigie::server
