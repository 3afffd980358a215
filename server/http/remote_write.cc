#include "server/http/remote_write.h"

#include "common/strings.h"
#include "common/utf8.h"
#include "server/http/loki_push.h"
#include "server/http/remote_write_decode.h"
#include "server/http/response.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

Response HandleRemoteWrite(const Request& request, const HttpDeps& deps) {
  if (request.content_type.find("io.prometheus.write.v2") != std::string::npos) {
    return JsonError(415,
                     "remote_write 2.0 (io.prometheus.write.v2.Request) is not supported: "
                     "send remote_write 1.0 (prometheus.WriteRequest)");
  }
  // The router has taken the decompressed size from the in-flight budget (as for Loki's push).
  absl::StatusOr<RemoteWrite> decoded =
      DecodeRemoteWrite(request.body, {.max_bytes = MaxPushBodyBytes(deps.limits),
                                       .max_ratio = deps.limits.max_decompression_ratio});
  if (absl::IsOutOfRange(decoded.status())) {
    return JsonError(413, StatusMessage(decoded.status()));
  }
  if (!decoded.ok()) return StatusError(decoded.status());
  auto keep_metadata = [&] {
    if (!deps.metadata) return;
    for (auto& [metric, metadata] : decoded->metadata) {
      deps.metadata->Set(metric, std::move(metadata));
    }
  };
  // Prometheus sends metadata on its own, every minute: nothing to store durably.
  if (decoded->batch.series.empty()) {
    keep_metadata();
    return {204, "", ""};
  }
  IdentifySender(request, deps, &decoded->batch);
  absl::StatusOr<IngestOutcome> outcome = deps.ingester->Ingest(std::move(decoded->batch));
  if (!outcome.ok()) return StatusError(outcome.status());
  keep_metadata();
  if (outcome->rejected == 0) return {204, "", ""};
  return JsonError(400, StrCat(outcome->accepted, " samples stored, ", outcome->rejected,
                               " refused (resending them would not help): ", outcome->reason));
}

Response HandleMetadata(const Request& request, const HttpDeps& deps) {
  // As in Prometheus: no limit by default or when negative; 0 returns nothing.
  int64_t limit = -1;
  if (auto text = request.Param("limit"); text && !ParseNumber(*text, &limit)) {
    return JsonError(400, StrCat("invalid parameter \"limit\": \"", EscapeForMessage(*text),
                                 "\" is not an integer"));
  }
  std::string metric(request.Param("metric").value_or(""));
  nlohmann::json data = nlohmann::json::object();
  if (deps.metadata && limit != 0) {
    size_t most = limit < 0 ? 0 : static_cast<size_t>(limit);
    for (const auto& [name, m] : deps.metadata->List(metric, most)) {
      data[name] = nlohmann::json::array({{{"type", m.type}, {"help", m.help}, {"unit", m.unit}}});
    }
  }
  return JsonResponse({{"status", "success"}, {"data", data}});
}

}  // namespace vigie::server::http
