#include "server/http/loki_tail.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "server/http/json_encode.h"
#include "server/http/loki_params.h"

namespace vigie::server::http {

namespace {

constexpr int64_t kDefaultLookbackNs = 3600 * kNanosPerSecond;
constexpr std::chrono::milliseconds kPollInterval(200);

std::string Frame(nlohmann::json streams, uint64_t dropped) {
  nlohmann::json frame = {{"streams", std::move(streams)},
                          {"dropped_entries", nlohmann::json::array()}};
  if (dropped > 0) frame["dropped_count"] = dropped;
  return DumpJson(frame);
}

// The newest `plan.limit` entries between start and now, oldest first, as one frame; "" when
// there are none (or the query failed: the live part still runs).
std::string Backfill(const TailPlan& plan, const HttpDeps& deps) {
  struct Entry {
    const LabelSet* labels;
    int64_t ts;
    std::string line;
  };
  logql::QueryParams params;
  params.end_ns = NowNanos() + 1;
  params.start_ns = plan.start_ns;
  params.limit = plan.limit;
  std::deque<LabelSet> labels;  // A deque: entries point into it while it grows.
  std::vector<Entry> entries;
  logql::QueryStats stats;
  absl::Status status = deps.engine->RunLogQuery(
      plan.selector, params,
      [&](const LabelSet& l, int64_t ts, std::string_view line) {
        if (labels.empty() || labels.back() != l) labels.push_back(l);
        entries.push_back({&labels.back(), ts, std::string(line)});
        return true;
      },
      &stats);
  if (!status.ok() || entries.empty()) return "";
  StreamsJson streams;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    streams.Add(*it->labels, it->ts, it->line);
  }
  return Frame(streams.Take(), 0);
}

}  // namespace

absl::StatusOr<TailPlan> ParseTailRequest(const Request& request, const HttpDeps& deps) {
  std::optional<std::string_view> text = request.Param("query");
  if (!text) return absl::InvalidArgumentError("the \"query\" parameter is missing");
  absl::StatusOr<logql::LogSelector> selector = ParseLogQuery(*text, deps.engine->limits());
  if (!selector.ok()) return selector.status();
  int64_t now = NowNanos();
  absl::StatusOr<int64_t> start =
      ParseTimeParam(request, "start", StartBefore(now, kDefaultLookbackNs));
  if (!start.ok()) return start.status();
  absl::StatusOr<uint32_t> limit = ParseLimit(request);
  if (!limit.ok()) return limit.status();
  // The backfill is a log query from start to now: the same bounds as query_range's.
  logql::Query query;
  query.log = *std::move(selector);
  logql::QueryParams params;
  params.start_ns = std::min(*start, now);
  params.end_ns = now;
  params.limit = *limit;
  if (absl::Status s = deps.engine->CheckParams(query, &params); !s.ok()) return s;
  return TailPlan{*std::move(query.log), params.start_ns, params.limit};
}

void RunTail(const TailPlan& plan, const HttpDeps& deps, TailChannel& channel,
             const std::atomic<bool>& stopping) {
  std::shared_ptr<TailHub::Subscription> subscription = deps.tails->Subscribe(plan.selector);
  deps.metrics->SetTailFollowers(deps.tails->followers());
  std::string backfill = Backfill(plan, deps);
  bool open = backfill.empty() || channel.Send(backfill);
  std::vector<TailEntry> entries;
  while (open && !stopping.load() && channel.Alive()) {
    entries.clear();
    uint64_t dropped = subscription->Next(&entries, kPollInterval);
    if (entries.empty() && dropped == 0) continue;
    StreamsJson streams;
    for (const TailEntry& e : entries) streams.Add(e.labels, e.ts_ns, e.line);
    open = channel.Send(Frame(streams.Take(), dropped));
  }
  subscription->Cancel();
  subscription.reset();
  deps.metrics->SetTailFollowers(deps.tails->followers());
}

}  // namespace vigie::server::http
