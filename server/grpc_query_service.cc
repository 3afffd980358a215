#include "server/grpc_query_service.h"

#include <chrono>

#include "common/time.h"
#include "query/logql/parser.h"
#include "server/grpc_ingest_service.h"
#include "server/grpc_producer_reactor.h"
#include "server/proto_convert.h"

namespace vigie::server {

namespace {

// Entries per GrepResponse / TailResponse message.
constexpr int kEntriesPerMessage = 500;

void AddEntry(const LabelSet& labels, int64_t ts, std::string_view line,
              google::protobuf::RepeatedPtrField<v1::LabeledEntry>* out) {
  v1::LabeledEntry* e = out->Add();
  LabelsToProto(labels, e->mutable_labels());
  e->mutable_entry()->set_ts_ns(ts);
  e->mutable_entry()->set_line(line.data(), line.size());
}

template <typename Response>
grpc::ServerWriteReactor<Response>* Refuse(const absl::Status& status) {
  return new ProducerWriteReactor<Response>([status](auto&) { return ToGrpcStatus(status); });
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
  params.forward = request->direction() == v1::FORWARD;
  params.step_ns = request->step_ns();
  if (absl::Status st = engine_->CheckParams(*query, &params); !st.ok()) {
    return Refuse<v1::GrepResponse>(st);
  }
  auto shared_query = std::make_shared<logql::Query>(*std::move(query));
  return new ProducerWriteReactor<v1::GrepResponse>(
      [this, shared_query, params](auto& sink) mutable -> grpc::Status {
        params.cancelled = [&sink] { return sink.cancelled(); };
        int64_t started = MonotonicNanos();
        logql::QueryStats stats;
        v1::GrepResponse response;
        absl::Status status;
        if (shared_query->is_metric()) {
          auto series = engine_->RunMetricQuery(*shared_query->metric, params, &stats);
          status = series.status();
          if (series.ok()) {
            for (const logql::Series& s : *series) SeriesToProto(s, response.add_series());
          }
        } else {
          status = engine_->RunLogQuery(
              *shared_query->log, params,
              [&](const LabelSet& labels, int64_t ts, std::string_view line) {
                AddEntry(labels, ts, line, response.mutable_entries());
                if (response.entries_size() < kEntriesPerMessage) return true;
                bool more = sink.Send(std::move(response));
                response.Clear();
                return more;
              },
              &stats);
        }
        metrics_->QueryDone("grpc", shared_query->is_metric() ? "metric" : "log",
                            (MonotonicNanos() - started) / 1e9, status.ok());
        if (!status.ok()) return ToGrpcStatus(status);
        StatsToProto(stats, MonotonicNanos() - started, response.mutable_stats());
        sink.Send(std::move(response));
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
          v1::TailResponse response;
          logql::QueryStats stats;
          absl::Status st = engine_->RunLogQuery(
              *shared_query->log, backfill,
              [&](const LabelSet& labels, int64_t ts, std::string_view line) {
                AddEntry(labels, ts, line, response.mutable_entries());
                return true;
              },
              &stats);
          if (!st.ok()) return ToGrpcStatus(st);
          // Oldest first, as a terminal shows them.
          std::reverse(response.mutable_entries()->begin(), response.mutable_entries()->end());
          if (response.entries_size() > 0 && !sink.Send(std::move(response))) {
            return grpc::Status::CANCELLED;
          }
        }
        std::vector<TailEntry> entries;
        while (!sink.cancelled()) {
          entries.clear();
          uint64_t dropped = subscription->Next(&entries, std::chrono::milliseconds(200));
          if (entries.empty() && dropped == 0) continue;
          v1::TailResponse response;
          response.set_dropped(dropped);
          for (const TailEntry& e : entries) {
            AddEntry(e.labels, e.ts_ns, e.line, response.mutable_entries());
          }
          if (!sink.Send(std::move(response))) break;
        }
        subscription->Cancel();
        metrics_->SetTailFollowers(tails_->followers());
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
  store::TimeRange range{request->start_ns(), request->end_ns() ? request->end_ns() : INT64_MAX};
  std::vector<std::string> values = request->name().empty()
                                        ? querier_->LabelNames(range)
                                        : querier_->LabelValues(request->name(), range);
  for (std::string& v : values) response->add_values(std::move(v));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace vigie::server
