#include "server/ingester.h"

#include <cstdlib>

#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"

namespace vigie::server {

namespace {

// A duration for messages: whole days past a day ("40d"), else whole seconds ("12m30s").
std::string Rounded(int64_t ns) {
  int64_t unit = ns >= 86400 * kNanosPerSecond ? 86400 * kNanosPerSecond : kNanosPerSecond;
  return FormatDuration(ns / unit * unit);
}

// When `ts_ns` read in a coarser unit is a time within ten years of now, names that unit: the
// usual mistake is seconds or milliseconds (Prometheus, JavaScript) where Loki's API wants
// nanoseconds.
std::string UnitHint(int64_t ts_ns, int64_t now_ns) {
  static constexpr std::pair<int64_t, std::string_view> kUnits[] = {
      {kNanosPerSecond, "seconds"}, {kNanosPerMilli, "milliseconds"}, {1000, "microseconds"}};
  constexpr int64_t kTenYears = 3650LL * 86400 * kNanosPerSecond;
  for (auto [scale, unit] : kUnits) {
    if (ts_ns > 0 && ts_ns <= now_ns / scale * 2 && std::abs(ts_ns * scale - now_ns) < kTenYears) {
      return StrCat("; it looks like ", unit, ": send Unix epoch nanoseconds (", ts_ns * scale,
                    ")");
    }
  }
  return "";
}

}  // namespace

void Refusals::Add(uint64_t items, std::string_view why) {
  count += items;
  if (named >= kMaxNamed) return;
  if (named++ > 0) reason += "; ";
  reason += why;
}

Ingester::Ingester(store::Appender* appender, TailHub* tails, ServerMetrics* metrics, Limits limits,
                   std::function<int64_t()> now)
    : appender_(appender),
      tails_(tails),
      metrics_(metrics),
      limits_(limits),
      now_(now ? std::move(now) : std::function<int64_t()>(NowNanos)),
      budgets_(limits) {}

std::string Ingester::CheckLabels(const std::vector<Label>& labels) const {
  if (labels.size() > limits_.max_labels_per_stream) {
    return StrCat(labels.size(), " labels, above the limit of ", limits_.max_labels_per_stream);
  }
  for (const Label& l : labels) {
    std::string name = EscapeForMessage(l.name);
    if (l.name.size() > limits_.max_label_name_bytes ||
        l.value.size() > limits_.max_label_value_bytes) {
      return StrCat("label \"", name, "\" is longer than the limit (name ",
                    limits_.max_label_name_bytes, " bytes, value ", limits_.max_label_value_bytes,
                    " bytes)");
    }
    for (const auto& [what, text] : {std::pair{"name", &l.name}, std::pair{"value", &l.value}}) {
      if (size_t bad = InvalidUtf8Offset(*text); bad != std::string::npos) {
        return StrCat("label ", name, ": ", what, " \"", EscapeForMessage(*text),
                      "\" is not valid UTF-8 (byte ", bad, ")");
      }
    }
    if (IsReservedLabelName(l.name)) return ReservedLabelMessage(l.name);
  }
  return "";
}

std::string Ingester::CheckEntry(const store::LogEntry& e, int64_t now_ns) const {
  if (e.line.size() > limits_.max_line_bytes) {
    return StrCat("line of ", e.line.size(), " bytes is above the limit of ",
                  limits_.max_line_bytes, " bytes");
  }
  int64_t horizon = limits_.reject_older_than_ns;
  int64_t grace = limits_.creation_grace_ns;
  // Differences of positive times: no overflow whatever the flags.
  bool too_old = e.ts_ns <= 0 || (horizon > 0 && now_ns - e.ts_ns > horizon);
  if (!too_old && e.ts_ns - now_ns <= grace) return "";
  std::string why;
  if (e.ts_ns <= 0) {
    why = "is not after 1970: times are positive Unix epoch nanoseconds";
  } else if (too_old) {
    why = StrCat("is ", Rounded(now_ns - e.ts_ns), " old; at most ", FormatDuration(horizon),
                 " old is accepted (--reject-older-than, which defaults to --retention)");
  } else {
    why = StrCat("is ", Rounded(e.ts_ns - now_ns), " ahead of vigied's clock; at most ",
                 FormatDuration(grace), " ahead is accepted (--creation-grace)");
  }
  return StrCat("timestamp ", e.ts_ns, " (", FormatRfc3339Nano(e.ts_ns), ") ", why,
                UnitHint(e.ts_ns, now_ns));
}

void Ingester::Validate(size_t index, ReceivedStream& stream, const ReceivedBatch& batch,
                        int64_t now_ns, store::AppendRequest* out, Refusals* refused) {
  uint64_t n = stream.entries.size();
  if (!stream.labels.ok()) {
    refused->Add(n, StrCat("stream ", index, ": ", stream.labels.status().message()));
    return;
  }
  if (std::string why = CheckLabels(*stream.labels); !why.empty()) {
    refused->Add(n, StrCat("stream ", index, ": ", why));
    return;
  }
  auto labels = LabelSet::Make(*std::move(stream.labels));
  if (!labels.ok()) {
    refused->Add(n, StrCat("stream ", index, ": ", labels.status().message()));
    return;
  }
  if (labels->empty()) {
    refused->Add(n, StrCat("stream ", index, ": has no labels; give it at least one"));
    return;
  }
  const std::string& sender_name = batch.sender_name.empty() ? batch.sender : batch.sender_name;
  if (absl::Status admitted = budgets_.Admit(batch.sender, sender_name, labels->Hash(), now_ns);
      !admitted.ok()) {
    refused->Add(n, StrCat("stream ", index, " ", labels->ToString(), ": ", admitted.message()));
    return;
  }
  store::StreamEntries valid{*std::move(labels), {}};
  valid.entries.reserve(n);
  for (size_t i = 0; i < stream.entries.size(); ++i) {
    store::LogEntry& e = stream.entries[i];
    if (std::string why = CheckEntry(e, now_ns); !why.empty()) {
      refused->Add(1, StrCat("stream ", index, " entry ", i, ": ", why));
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
  // One time for the whole batch: its entries are judged alike.
  int64_t now_ns = now_();
  PreparedIngest prepared;
  prepared.protocol = batch.protocol;
  prepared.refused = std::move(batch.refused);
  prepared.request.agent_id = batch.agent_id;
  prepared.request.seq = batch.seq;
  prepared.request.first_seq = batch.first_seq;
  for (size_t i = 0; i < batch.streams.size(); ++i) {
    Validate(i, batch.streams[i], batch, now_ns, &prepared.request, &prepared.refused);
  }
  prepared.blocks = appender_->Prepare(prepared.request);
  return prepared;
}

absl::StatusOr<IngestOutcome> Ingester::Commit(PreparedIngest prepared) {
  auto result = appender_->Commit(std::move(prepared.blocks));
  if (!result.ok()) return result.status();
  Refusals& refused = prepared.refused;
  const store::AppendRequest& request = prepared.request;
  IngestOutcome outcome;
  outcome.duplicate = result->duplicate;
  if (result->duplicate) {
    for (const store::StreamEntries& s : request.streams) outcome.accepted += s.entries.size();
  } else {
    outcome.accepted = result->entries;
  }
  if (result->rejected) refused.Add(result->rejected, result->reason);
  outcome.rejected = refused.count;
  outcome.reason = std::move(refused.reason);
  metrics_->Ingested(prepared.protocol, outcome.accepted, result->bytes, outcome.rejected,
                     outcome.duplicate);
  if (!result->duplicate && outcome.accepted > 0) tails_->Publish(request);
  return outcome;
}

absl::StatusOr<IngestOutcome> Ingester::Ingest(ReceivedBatch batch) {
  auto prepared = Prepare(std::move(batch));
  if (!prepared.ok()) return prepared.status();
  return Commit(*std::move(prepared));
}

}  // namespace vigie::server
