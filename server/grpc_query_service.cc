#include "server/grpc_query_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "common/labels.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"
#include "query/logql/parser.h"
#include "query/promql/parser.h"
#include "server/grpc_ingest_service.h"
#include "server/grpc_producer_reactor.h"
#include "server/proto_convert.h"

namespace vigie::server {

namespace {

// Bounds of one GrepResponse / TailResponse: a message is sent once it holds this many entries
// or bytes of lines, so no message comes near a client's receive limit (an entry is at most
// --max-line-bytes).
constexpr int kEntriesPerMessage = 500;
constexpr size_t kLineBytesPerMessage = 1 << 20;
constexpr int kSeriesPerMessage = 256;

// The labels of an entry sent without them (GrepRequest.lines_only).
const LabelSet kNoLabels;

// Fills responses with entries and hands each full one to the stream's sink.
template <typename Response>
class EntryBatcher {
 public:
  explicit EntryBatcher(typename ProducerWriteReactor<Response>::Sink& sink) : sink_(sink) {}

  // Adds one entry; false once the client is gone (or stopped reading until the deadline).
  bool Add(const LabelSet& labels, int64_t ts, std::string_view line, bool context = false,
           bool group_start = false) {
    v1::LabeledEntry* e = response_->add_entries();
    // No Labels message at all when there are none (lines_only): one allocation less per line.
    if (!labels.empty()) LabelsToProto(labels, e->mutable_labels());
    e->mutable_entry()->set_ts_ns(ts);
    e->mutable_entry()->set_line(line.data(), line.size());
    e->set_context(context);
    e->set_group_start(group_start);
    bytes_ += line.size();
    if (response_->entries_size() < kEntriesPerMessage && bytes_ < kLineBytesPerMessage)
      return true;
    return Flush();
  }
  // Adds one series of a metric query or a count; false once the client is gone. Series are
  // spread over messages as entries are: a count after a parser can hold a label set per line,
  // far beyond one message's size.
  bool AddSeries(const logql::Series& series) {
    v1::MetricSeries* out = response_->add_series();
    SeriesToProto(series, out);
    bytes_ += out->ByteSizeLong();
    if (response_->series_size() < kSeriesPerMessage && bytes_ < kLineBytesPerMessage) return true;
    return Flush();
  }
  bool Flush() {
    bytes_ = 0;
    return sink_.Send(std::exchange(response_, ArenaMessage<Response>()));
  }
  // The response being filled: another one after each Flush.
  Response& response() { return *response_; }

 private:
  typename ProducerWriteReactor<Response>::Sink& sink_;
  ArenaMessage<Response> response_;
  size_t bytes_ = 0;
};

template <typename Response>
grpc::ServerWriteReactor<Response>* Refuse(const absl::Status& status) {
  return new ProducerWriteReactor<Response>([status](auto&) { return ToGrpcStatus(status); });
}

// The number of matching lines of each label set with any (a stream's, or what the pipeline
// made of its lines), one series per label set, added to `batcher`.
absl::Status CountMatches(const logql::Engine& engine, const logql::LogSelector& selector,
                          const logql::QueryParams& params, logql::QueryStats* stats,
                          EntryBatcher<v1::GrepResponse>* batcher) {
  absl::StatusOr<std::vector<logql::Series>> counts = engine.CountLogQuery(selector, params, stats);
  if (!counts.ok()) return counts.status();
  for (const logql::Series& s : *counts) {
    if (!batcher->AddSeries(s)) break;  // The client is gone: its status is the call's.
  }
  return absl::OkStatus();
}

// A request's [start, end] in milliseconds, where 0 means unbounded on that side.
std::pair<int64_t, int64_t> MillisRange(int64_t start_ms, int64_t end_ms) {
  return {start_ms ? start_ms : INT64_MIN / kNanosPerMilli,
          end_ms ? end_ms : INT64_MAX / kNanosPerMilli};
}

void MatrixToProto(const promql::Matrix& matrix, std::string_view type,
                   v1::PromQueryResponse* out) {
  out->set_result_type(std::string(type));
  for (const promql::Series& s : matrix) {
    v1::MetricSeries* series = out->add_series();
    LabelsToProto(s.labels, series->mutable_labels());
    for (const store::Sample& p : s.points) {
      v1::Sample* sample = series->add_points();
      sample->set_ts_ms(p.ts_ms);
      sample->set_value(p.value);
    }
  }
}

void ValueToProto(const promql::Value& value, v1::PromQueryResponse* out) {
  auto add_point = [](v1::MetricSeries* series, int64_t ts_ms, double v) {
    v1::Sample* sample = series->add_points();
    sample->set_ts_ms(ts_ms);
    sample->set_value(v);
  };
  switch (value.type) {
    case promql::ValueType::kMatrix:
      return MatrixToProto(value.matrix, "matrix", out);
    case promql::ValueType::kScalar:
      out->set_result_type("scalar");
      return add_point(out->add_series(), value.ts_ms, value.scalar);
    case promql::ValueType::kString:
      out->set_result_type("string");
      out->set_string_value(value.string);
      out->set_string_time_ms(value.ts_ms);
      return;
    default:
      out->set_result_type("vector");
      for (const promql::InstantSample& s : value.vector) {
        v1::MetricSeries* series = out->add_series();
        LabelsToProto(s.labels, series->mutable_labels());
        add_point(series, s.ts_ms, s.value);
      }
  }
}

}  // namespace

grpc::ServerWriteReactor<v1::GrepResponse>* QueryService::Grep(grpc::CallbackServerContext* context,
                                                               const v1::GrepRequest* request) {
  if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kQuery); !st.ok()) {
    return Refuse<v1::GrepResponse>(st);
  }
  auto query = logql::Parse(request->query(), engine_->limits());
  if (!query.ok()) return Refuse<v1::GrepResponse>(query.status());
  logql::QueryParams params;
  params.start_ns = request->start_ns();
  params.end_ns = request->end_ns() ? request->end_ns() : NowNanos();
  params.limit = request->limit();
  // Entries are streamed, so neither --max-entries-per-query nor memory bounds the answer.
  params.streamed = true;
  params.all = request->all() || request->count();
  params.context_before = request->count() ? 0 : request->context_before();
  params.context_after = request->count() ? 0 : request->context_after();
  params.forward = request->direction() == v1::FORWARD;
  params.lines_only = request->lines_only() && !request->count();
  params.find_more = true;  // The CLI says when the limit left matches out.
  params.step_ns = request->step_ns();
  if (request->count() && query->is_metric()) {
    return Refuse<v1::GrepResponse>(absl::InvalidArgumentError(
        "count applies to log queries; a metric query is a count already"));
  }
  if (absl::Status st = engine_->CheckParams(*query, &params); !st.ok()) {
    return Refuse<v1::GrepResponse>(st);
  }
  auto shared_query = std::make_shared<logql::Query>(*std::move(query));
  return new ProducerWriteReactor<v1::GrepResponse>(
      [this, shared_query, params, count = request->count()](auto& sink) mutable -> grpc::Status {
        params.cancelled = [&sink] { return sink.cancelled(); };
        int64_t started = MonotonicNanos();
        // The query's deadline also bounds the time spent waiting for a slow client.
        sink.set_deadline(std::chrono::steady_clock::now() +
                          std::chrono::nanoseconds(engine_->limits().query_timeout_ns));
        logql::QueryStats stats;
        EntryBatcher<v1::GrepResponse> batcher(sink);
        absl::Status status;
        if (shared_query->is_metric()) {
          auto series = engine_->RunMetricQuery(*shared_query->metric, params, &stats);
          status = series.status();
          if (series.ok()) {
            for (const logql::Series& s : *series) {
              if (!batcher.AddSeries(s)) break;
            }
          }
        } else if (count) {
          status = CountMatches(*engine_, *shared_query->log, params, &stats, &batcher);
        } else {
          status = engine_->RunLogQuery(
              *shared_query->log, params,
              [&](const logql::LogLine& l) {
                return batcher.Add(params.lines_only ? kNoLabels : l.labels, l.ts, l.line,
                                   l.context, l.group_start);
              },
              &stats);
        }
        metrics_->QueryDone("grpc", shared_query->is_metric() ? "metric" : "log",
                            (MonotonicNanos() - started) / 1e9, status.ok() && !sink.timed_out());
        if (sink.timed_out()) {
          return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                              "query timed out: the client read its answer too slowly "
                              "(--query-timeout bounds the whole query)");
        }
        if (!status.ok()) return ToGrpcStatus(status);
        v1::GrepResponse& last = batcher.response();
        StatsToProto(stats, MonotonicNanos() - started, last.mutable_stats());
        last.set_truncated(stats.truncated);
        last.set_done(true);
        batcher.Flush();
        return grpc::Status::OK;
      });
}

grpc::ServerWriteReactor<v1::TailResponse>* QueryService::Tail(grpc::CallbackServerContext* context,
                                                               const v1::TailRequest* request) {
  if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kQuery); !st.ok()) {
    return Refuse<v1::TailResponse>(st);
  }
  auto query = logql::Parse(request->query(), engine_->limits());
  if (!query.ok()) return Refuse<v1::TailResponse>(query.status());
  if (query->is_metric()) {
    return Refuse<v1::TailResponse>(absl::InvalidArgumentError(
        "tail follows log queries only; a metric query can be run with grep"));
  }
  // Subscribing before the backfill query means no entry falls between the two.
  auto subscription = tails_->Subscribe(*query->log);
  logql::QueryParams backfill;
  backfill.end_ns = NowNanos();
  backfill.start_ns = backfill.end_ns - request->since_ns();
  backfill.limit = request->limit();
  auto shared_query = std::make_shared<logql::Query>(*std::move(query));
  return new ProducerWriteReactor<v1::TailResponse>(
      [this, shared_query, subscription, backfill,
       since = request->since_ns()](auto& sink) mutable -> grpc::Status {
        metrics_->SetTailFollowers(tails_->followers());
        backfill.cancelled = [&sink] { return sink.cancelled(); };
        if (since > 0) {
          if (absl::Status st = engine_->CheckParams(*shared_query, &backfill); !st.ok()) {
            return ToGrpcStatus(st);
          }
          // The newest `limit` entries (at most --max-entries-per-query), held to be sent
          // oldest first, as a terminal shows them.
          struct Held {
            LabelSet labels;
            int64_t ts;
            std::string line;
          };
          std::vector<Held> held;
          logql::QueryStats stats;
          absl::Status st = engine_->RunLogQuery(
              *shared_query->log, backfill,
              [&](const LabelSet& labels, int64_t ts, std::string_view line) {
                held.push_back({labels, ts, std::string(line)});
                return true;
              },
              &stats);
          if (!st.ok()) return ToGrpcStatus(st);
          EntryBatcher<v1::TailResponse> batcher(sink);
          for (auto it = held.rbegin(); it != held.rend(); ++it) {
            if (!batcher.Add(it->labels, it->ts, it->line)) return grpc::Status::CANCELLED;
          }
          if (batcher.response().entries_size() > 0 && !batcher.Flush()) {
            return grpc::Status::CANCELLED;
          }
        }
        std::vector<TailEntry> entries;
        bool more = true;
        while (more && !sink.cancelled() && !stopping_) {
          entries.clear();
          uint64_t dropped = subscription->Next(&entries, std::chrono::milliseconds(200));
          if (entries.empty() && dropped == 0) continue;
          EntryBatcher<v1::TailResponse> batcher(sink);
          batcher.response().set_dropped(dropped);
          for (const TailEntry& e : entries) {
            if (!(more = batcher.Add(e.labels, e.ts_ns, e.line))) break;
          }
          if (more && (batcher.response().entries_size() > 0 || batcher.response().dropped() > 0)) {
            more = batcher.Flush();
          }
        }
        subscription->Cancel();
        metrics_->SetTailFollowers(tails_->followers());
        if (stopping_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "vigied is stopping");
        return grpc::Status::OK;
      });
}

grpc::ServerUnaryReactor* QueryService::Labels(grpc::CallbackServerContext* context,
                                               const v1::LabelsRequest* request,
                                               v1::LabelsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kQuery); !st.ok()) {
    reactor->Finish(ToGrpcStatus(st));
    return reactor;
  }
  if (!request->name().empty() && !IsValidLabelName(request->name())) {
    reactor->Finish(ToGrpcStatus(
        absl::InvalidArgumentError(StrCat("label name \"", ValidUtf8(request->name()),
                                          "\" is invalid: it must match [a-zA-Z_][a-zA-Z0-9_]*"))));
    return reactor;
  }
  std::vector<std::string> values;
  if (request->metrics()) {
    auto [start_ms, end_ms] =
        MillisRange(request->start_ns() / kNanosPerMilli, request->end_ns() / kNanosPerMilli);
    values = request->name().empty() ? prom_->LabelNames({}, start_ms, end_ms)
                                     : prom_->LabelValues(request->name(), {}, start_ms, end_ms);
  } else {
    store::TimeRange range{request->start_ns(), request->end_ns() ? request->end_ns() : INT64_MAX};
    values = request->name().empty() ? querier_->LabelNames(range)
                                     : querier_->LabelValues(request->name(), range);
  }
  for (std::string& v : values) response->add_values(std::move(v));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* QueryService::PromQuery(grpc::CallbackServerContext* context,
                                                  const v1::PromQueryRequest* request,
                                                  v1::PromQueryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus([&]() -> absl::Status {
    if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kQuery); !st.ok()) {
      return st;
    }
    auto start = std::chrono::steady_clock::now();
    absl::StatusOr<promql::ExprPtr> expr = promql::Parse(request->query(), engine_->limits());
    if (!expr.ok()) return expr.status();
    std::function<bool()> cancelled = [context] { return context->IsCancelled(); };
    absl::Status status;
    if (request->step_ms() > 0) {
      promql::StepRange range{request->start_ms(), request->end_ms(), request->step_ms()};
      if (range.end_ms < range.start_ms) {
        return absl::InvalidArgumentError("the end of the time range is before its start");
      }
      absl::StatusOr<promql::Matrix> matrix =
          prom_->Range(**expr, range, request->timeout_ms(), cancelled);
      status = matrix.status();
      if (matrix.ok()) MatrixToProto(*matrix, "matrix", response);
    } else {
      absl::StatusOr<promql::Value> value =
          prom_->Instant(**expr, request->time_ms(), request->timeout_ms(), cancelled);
      status = value.status();
      if (value.ok()) ValueToProto(*value, response);
    }
    metrics_->QueryDone(
        "grpc", "promql",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
        status.ok());
    return status;
  }()));
  return reactor;
}

grpc::ServerUnaryReactor* QueryService::Series(grpc::CallbackServerContext* context,
                                               const v1::SeriesRequest* request,
                                               v1::SeriesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus([&]() -> absl::Status {
    if (absl::Status st = auth_->Check(AuthorizationOf(context), Scope::kQuery); !st.ok()) {
      return st;
    }
    if (request->match().empty()) {
      return absl::InvalidArgumentError("give at least one series selector, such as up");
    }
    std::vector<std::string_view> texts(request->match().begin(), request->match().end());
    absl::StatusOr<PromQueries::MatchSets> sets = ParseSeriesSelectors(texts, engine_->limits());
    if (!sets.ok()) return sets.status();
    auto [start_ms, end_ms] = MillisRange(request->start_ms(), request->end_ms());
    for (const LabelSet& labels : prom_->Series(*sets, start_ms, end_ms)) {
      LabelsToProto(labels, response->add_series()->mutable_labels());
    }
    return absl::OkStatus();
  }()));
  return reactor;
}

}  // namespace vigie::server
