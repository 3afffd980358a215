#include "server/http/loki_push.h"

#include "common/strings.h"
#include "server/http/loki_push_decode.h"
#include "server/http/response.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

absl::StatusOr<DecodedPush> Decode(const Request& request, uint64_t max_bytes) {
  // The body is already decoded from its Content-Encoding (server/http/connection.h).
  // As in Loki: JSON when the content type says so, snappy protobuf otherwise.
  std::string_view body = request.body;
  if (StartsWithNoCase(request.content_type, "application/json")) return DecodeLokiJsonPush(body);
  return DecodeLokiProtoPush(body, max_bytes);
}

}  // namespace

uint64_t MaxPushBodyBytes(const Limits& limits) {
  return limits.max_batch_bytes + limits.max_batch_bytes / 2 + (1 << 20);
}

Response HandlePush(const Request& request, const HttpDeps& deps) {
  absl::StatusOr<DecodedPush> decoded = Decode(request, MaxPushBodyBytes(deps.limits));
  if (!decoded.ok()) return JsonError(400, StatusMessage(decoded.status()));
  decoded->batch.refused_by_decoder = decoded->rejected;
  absl::StatusOr<IngestOutcome> outcome = deps.ingester->Ingest(std::move(decoded->batch));
  if (!outcome.ok()) {
    return JsonError(HttpStatusFor(outcome.status()), StatusMessage(outcome.status()));
  }
  uint64_t rejected = decoded->rejected + outcome->rejected;
  std::string reason = decoded->reason;
  if (!outcome->reason.empty()) {
    if (!reason.empty()) reason += "; ";
    reason += outcome->reason;
  }
  if (rejected == 0 && reason.empty()) return {204, "", ""};
  return JsonResponse(
      {{"status", "error"},
       {"error", StrCat(outcome->accepted, " entries stored, ", rejected, " refused: ", reason)},
       {"accepted", outcome->accepted},
       {"rejected", rejected}},
      400);
}

}  // namespace vigie::server::http
