// Loki's endpoints that answer from the stream index and block sizes rather than from lines:
// index/stats, index/volume, index/volume_range and detected_labels (docs/http-api.md).
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "server/http/request.h"
#include "server/http_server.h"
#include "store/store.h"

namespace vigie::server::http {

struct SelectedStream {
  store::StreamId id = 0;
  LabelSet labels;
};

// The streams with data in `range` that one of `selectors` (log queries: their selectors are
// used, line filters and stages are not) selects, by id. With `allow_all`, "{}" selects every
// stream, as Loki's volume endpoints allow.
absl::StatusOr<std::vector<SelectedStream>> SelectStreamsFor(
    const HttpDeps& deps, const std::vector<std::string_view>& selectors, store::TimeRange range,
    bool allow_all = false);

// GET|POST /loki/api/v1/index/stats: query (a selector), start, end, since (the last hour).
// {"streams", "chunks" (blocks), "entries", "bytes" (line bytes)} of the selected streams in
// [start, end): exact (see query/logql/volume.h).
Response HandleIndexStats(const Request& request, const HttpDeps& deps);

// GET|POST /loki/api/v1/index/volume (`range` false: a vector at `end`) and
// /loki/api/v1/index/volume_range (a matrix, one point per step): query, start, end, since,
// limit (100), step, targetLabels, aggregateBy (series or labels). The line bytes of the
// selected streams grouped by the selector's label names (or targetLabels), largest first.
Response HandleVolume(const Request& request, const HttpDeps& deps, bool range);

// GET|POST /loki/api/v1/detected_labels: query (optional selector), start, end, since (the last
// 6 hours). {"detectedLabels": [{"label", "cardinality"}]} for the labels worth filtering on,
// as Loki picks them for Grafana's Logs Drilldown.
Response HandleDetectedLabels(const Request& request, const HttpDeps& deps);

}  // namespace vigie::server::http
