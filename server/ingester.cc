#include "server/ingester.h"

#include "common/strings.h"

namespace vigie::server {

namespace {

constexpr int kMaxReasons = 3;

void Refuse(IngestOutcome* outcome, uint64_t entries, const std::string& why) {
  outcome->rejected += entries;
  if (std::count(outcome->reason.begin(), outcome->reason.end(), ';') + 1 >= kMaxReasons &&
      !outcome->reason.empty()) {
    return;
  }
  if (!outcome->reason.empty()) outcome->reason += "; ";
  outcome->reason += why;
}

}  // namespace

bool Ingester::AdmitStream(const std::string& agent_id, uint64_t stream_id) {
  std::lock_guard lock(agents_mu_);
  auto& streams = agent_streams_[agent_id];
  if (streams.contains(stream_id)) return true;
  if (streams.size() >= limits_.max_streams_per_agent) return false;
  streams.insert(stream_id);
  return true;
}

void Ingester::Validate(size_t index, ReceivedStream& stream, const std::string& agent_id,
                        store::AppendRequest* out, IngestOutcome* outcome) {
  uint64_t n = stream.entries.size();
  if (!stream.labels.ok()) {
    Refuse(outcome, n, StrCat("stream ", index, ": ", stream.labels.status().message()));
    return;
  }
  if (stream.labels->size() > limits_.max_labels_per_stream) {
    Refuse(outcome, n,
           StrCat("stream ", index, ": ", stream.labels->size(), " labels, above the limit of ",
                  limits_.max_labels_per_stream));
    return;
  }
  for (const Label& l : *stream.labels) {
    if (l.name.size() > limits_.max_label_name_bytes ||
        l.value.size() > limits_.max_label_value_bytes) {
      Refuse(outcome, n,
             StrCat("stream ", index, ": label \"", l.name.substr(0, 64),
                    "\" is longer than the limit (name ", limits_.max_label_name_bytes,
                    " bytes, value ", limits_.max_label_value_bytes, " bytes)"));
      return;
    }
  }
  auto labels = LabelSet::Make(*std::move(stream.labels));
  if (!labels.ok()) {
    Refuse(outcome, n, StrCat("stream ", index, ": ", labels.status().message()));
    return;
  }
  if (labels->empty()) {
    Refuse(outcome, n, StrCat("stream ", index, ": has no labels; give it at least one"));
    return;
  }
  if (!AdmitStream(agent_id, labels->Hash())) {
    Refuse(outcome, n,
           StrCat("stream ", index, " ", labels->ToString(), ": this sender already has ",
                  limits_.max_streams_per_agent, " streams (--max-streams-per-agent)"));
    return;
  }
  store::StreamEntries valid{*std::move(labels), {}};
  valid.entries.reserve(n);
  for (size_t i = 0; i < stream.entries.size(); ++i) {
    store::LogEntry& e = stream.entries[i];
    if (e.line.size() > limits_.max_line_bytes) {
      Refuse(outcome, 1,
             StrCat("stream ", index, " entry ", i, ": line of ", e.line.size(),
                    " bytes is above the limit of ", limits_.max_line_bytes, " bytes"));
    } else if (e.ts_ns <= 0) {
      Refuse(outcome, 1,
             StrCat("stream ", index, " entry ", i, ": timestamp ", e.ts_ns,
                    " is not a positive Unix time in nanoseconds"));
    } else {
      valid.entries.push_back(std::move(e));
    }
  }
  if (!valid.entries.empty()) out->streams.push_back(std::move(valid));
}

absl::StatusOr<PreparedIngest> Ingester::Prepare(ReceivedBatch batch) {
  uint64_t bytes = 0;
  for (const ReceivedStream& s : batch.streams) {
    for (const store::LogEntry& e : s.entries) bytes += e.line.size();
  }
  if (bytes > limits_.max_batch_bytes) {
    return absl::InvalidArgumentError(
        StrCat("batch of ", bytes, " line bytes is above the limit of ", limits_.max_batch_bytes,
               " bytes: send smaller batches"));
  }
  PreparedIngest prepared;
  prepared.protocol = std::move(batch.protocol);
  prepared.refused_by_decoder = batch.refused_by_decoder;
  prepared.request.agent_id = batch.agent_id;
  prepared.request.seq = batch.seq;
  prepared.request.first_seq = batch.first_seq;
  for (size_t i = 0; i < batch.streams.size(); ++i) {
    Validate(i, batch.streams[i], batch.agent_id, &prepared.request, &prepared.outcome);
  }
  prepared.blocks = appender_->Prepare(prepared.request);
  return prepared;
}

absl::StatusOr<IngestOutcome> Ingester::Commit(PreparedIngest prepared) {
  auto result = appender_->Commit(std::move(prepared.blocks));
  if (!result.ok()) return result.status();
  IngestOutcome& outcome = prepared.outcome;
  const store::AppendRequest& request = prepared.request;
  outcome.duplicate = result->duplicate;
  if (result->duplicate) {
    for (const store::StreamEntries& s : request.streams) outcome.accepted += s.entries.size();
  } else {
    outcome.accepted = result->entries;
  }
  if (result->rejected) Refuse(&outcome, result->rejected, result->reason);
  metrics_->Ingested(prepared.protocol, outcome.accepted, result->bytes,
                     outcome.rejected + prepared.refused_by_decoder, outcome.duplicate);
  if (!result->duplicate && outcome.accepted > 0) tails_->Publish(request);
  return std::move(outcome);
}

absl::StatusOr<IngestOutcome> Ingester::Ingest(ReceivedBatch batch) {
  auto prepared = Prepare(std::move(batch));
  if (!prepared.ok()) return prepared.status();
  return Commit(*std::move(prepared));
}

}  // namespace vigie::server
