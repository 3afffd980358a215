#include "server/http/loki_push.h"

#include "common/strings.h"
#include "common/utf8.h"
#include "server/http/loki_push_decode.h"
#include "server/http/response.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

absl::StatusOr<ReceivedBatch> Decode(const Request& request, uint64_t max_bytes) {
  // The body is already decoded from its Content-Encoding (server/http/connection.h).
  // As in Loki: JSON when the content type says so, snappy protobuf otherwise.
  if (StartsWithIgnoreCase(request.content_type, "application/json")) {
    return DecodeLokiJsonPush(request.body);
  }
  return DecodeLokiProtoPush(request.body, max_bytes);
}

}  // namespace

void IdentifySender(const Request& request, const HttpDeps& deps, ReceivedBatch* batch) {
  if (deps.auth->enabled()) {
    // The router checked the header: "<scheme> <token>".
    std::string_view token = request.authorization;
    token.remove_prefix(std::min(token.size(), token.find(' ') + 1));
    batch->sender = StrCat("token ", token);
    batch->sender_name = StrCat(
        "the token ending in \"",
        EscapeForMessage(token.substr(token.size() - std::min<size_t>(token.size(), 4))), "\"");
  } else if (!request.org_id.empty()) {
    batch->sender = StrCat("org ", request.org_id);
    batch->sender_name = StrCat("org \"", EscapeForMessage(request.org_id), "\"");
  } else {
    batch->sender = StrCat("peer ", request.peer);
  }
}

uint64_t MaxPushBodyBytes(const Limits& limits) {
  return limits.max_batch_bytes + limits.max_batch_bytes / 2 + (1 << 20);
}

Response HandlePush(const Request& request, const HttpDeps& deps) {
  absl::StatusOr<ReceivedBatch> decoded = Decode(request, MaxPushBodyBytes(deps.limits));
  if (!decoded.ok()) return JsonError(400, StatusMessage(decoded.status()));
  IdentifySender(request, deps, &*decoded);
  absl::StatusOr<IngestOutcome> outcome = deps.ingester->Ingest(*std::move(decoded));
  if (!outcome.ok()) {
    return JsonError(HttpStatusFor(outcome.status()), StatusMessage(outcome.status()));
  }
  // A stream refused with no entries (no "values") is still an error to report.
  if (outcome->rejected == 0 && outcome->reason.empty()) return {204, "", ""};
  return JsonResponse({{"status", "error"},
                       {"error", StrCat(outcome->accepted, " entries stored, ", outcome->rejected,
                                        " refused: ", outcome->reason)},
                       {"accepted", outcome->accepted},
                       {"rejected", outcome->rejected}},
                      400);
}

}  // namespace vigie::server::http
