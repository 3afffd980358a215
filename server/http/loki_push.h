// POST /loki/api/v1/push: Loki's push API, JSON or snappy-compressed protobuf, into the Ingester.
//
// Answers as Loki does: 204 when every entry was stored. When some entries were refused, the
// others are still stored (partial writes, as in Loki) and the answer is 400 with a JSON error
// naming how many were stored and refused and what was wrong with the first few:
//   {"status":"error","error":"1 entries stored, 2 refused: stream 1:
//   ...","accepted":1,"rejected":2}
// A body that is malformed as a whole stores nothing and gets 400; a store failure gets 500 or
// 503 (the client should retry).
#pragma once

#include <cstdint>

#include "common/limits.h"
#include "server/http/request.h"
#include "server/http_server.h"

namespace vigie::server::http {

// The largest push body accepted, before and after decompression: the batch limit on line bytes
// plus room for labels, timestamps and JSON escaping.
uint64_t MaxPushBodyBytes(const Limits& limits);

// Sets whose stream and series budgets a push uses (docs/http-api.md): the token when tokens
// are configured (a client cannot choose it), else the tenant it names in X-Scope-OrgID, else
// its address.
void IdentifySender(const Request& request, const HttpDeps& deps, ReceivedBatch* batch);

Response HandlePush(const Request& request, const HttpDeps& deps);

}  // namespace vigie::server::http
