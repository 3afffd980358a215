#include "server/ingester.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "absl/container/flat_hash_map.h"
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

// Unix milliseconds as nanoseconds, saturated (a time that far is refused anyway).
int64_t MillisToNanos(int64_t ms) {
  constexpr int64_t kMax = INT64_MAX / kNanosPerMilli;
  return ms > kMax ? INT64_MAX : ms < -kMax ? INT64_MIN : ms * kNanosPerMilli;
}

// The labels of `labels` as views, for the checks shared with series.
std::vector<LabelView> Views(const std::vector<Label>& labels) {
  std::vector<LabelView> out;
  out.reserve(labels.size());
  for (const Label& l : labels) out.push_back({l.name, l.value});
  return out;
}

// A request that merges several batches of one sender holds a stream once per batch. One group
// per stream lets the store cut blocks of its target size rather than one per batch: bigger
// blocks compress better and decompress faster. Entries are moved, not copied; the first
// group of a stream keeps its place.
void MergeRepeatedStreams(std::vector<store::StreamEntries>* streams) {
  if (streams->size() < 2) return;
  absl::flat_hash_map<uint64_t, size_t> group;  // Labels' hash -> index in *streams.
  size_t kept = 0;
  for (size_t i = 0; i < streams->size(); ++i) {
    store::StreamEntries& stream = (*streams)[i];
    auto [it, first] = group.try_emplace(stream.labels.Hash(), kept);
    store::StreamEntries* into = first ? nullptr : &(*streams)[it->second];
    if (into != nullptr && into->labels == stream.labels) {
      into->entries.insert(into->entries.end(), std::make_move_iterator(stream.entries.begin()),
                           std::make_move_iterator(stream.entries.end()));
      continue;
    }
    // A new stream, or (never seen) a hash shared by other labels: the store refuses that.
    if (kept != i) (*streams)[kept] = std::move(stream);
    ++kept;
  }
  streams->resize(kept);
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
      budgets_(limits),
      series_budgets_(limits, StreamBudgets::Kind::kSeries) {}

std::string Ingester::CheckLabels(std::span<const LabelView> labels, uint32_t max_labels,
                                  std::string_view allowed_reserved, std::string_view* code) const {
  std::string_view unused;
  if (!code) code = &unused;
  if (labels.size() > max_labels) {
    *code = "too_many_labels";
    return StrCat(labels.size(), " labels, above the limit of ", max_labels);
  }
  for (const LabelView& l : labels) {
    if (l.name.size() > limits_.max_label_name_bytes ||
        l.value.size() > limits_.max_label_value_bytes) {
      *code = "label_too_long";
      return StrCat("label \"", EscapeForMessage(l.name), "\" is longer than the limit (name ",
                    limits_.max_label_name_bytes, " bytes, value ", limits_.max_label_value_bytes,
                    " bytes)");
    }
    for (const auto& [what, text] : {std::pair{"name", &l.name}, std::pair{"value", &l.value}}) {
      // A valid name is ASCII: the UTF-8 check is for the message of an invalid one.
      if (text == &l.name && IsValidLabelName(l.name)) continue;
      if (size_t bad = InvalidUtf8Offset(*text); bad != std::string::npos) {
        *code = "invalid_utf8";
        return StrCat("label ", EscapeForMessage(l.name), ": ", what, " \"",
                      EscapeForMessage(*text), "\" is not valid UTF-8 (byte ", bad, ")");
      }
    }
    if (IsReservedLabelName(l.name) && l.name != allowed_reserved) {
      *code = "reserved_label";
      return ReservedLabelMessage(l.name);
    }
  }
  return "";
}

std::string Ingester::CheckTime(int64_t ts_ns, int64_t now_ns, std::string_view unit) const {
  int64_t horizon = limits_.reject_older_than_ns;
  int64_t grace = limits_.creation_grace_ns;
  // Differences of positive times: no overflow whatever the flags.
  bool too_old = ts_ns <= 0 || (horizon > 0 && now_ns - ts_ns > horizon);
  if (!too_old && ts_ns - now_ns <= grace) return "";
  if (ts_ns <= 0) return StrCat("is not after 1970: times are positive Unix epoch ", unit);
  if (too_old) {
    return StrCat("is ", Rounded(now_ns - ts_ns), " old; at most ", FormatDuration(horizon),
                  " old is accepted (--reject-older-than, which defaults to --retention)");
  }
  return StrCat("is ", Rounded(ts_ns - now_ns), " ahead of vigied's clock; at most ",
                FormatDuration(grace), " ahead is accepted (--creation-grace)");
}

std::string Ingester::CheckEntry(const store::LogEntry& e, int64_t now_ns) const {
  if (e.line.size() > limits_.max_line_bytes) {
    return StrCat("line of ", e.line.size(), " bytes is above the limit of ",
                  limits_.max_line_bytes, " bytes");
  }
  std::string why = CheckTime(e.ts_ns, now_ns, "nanoseconds");
  if (why.empty()) return "";
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
  if (std::string why = CheckLabels(Views(*stream.labels), limits_.max_labels_per_stream);
      !why.empty()) {
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

void Ingester::SamplesRefused(std::string_view protocol, std::string_view reason,
                              uint64_t n) const {
  if (metrics_ && n > 0) metrics_->SamplesRefused(protocol, reason, n);
}

absl::Status Ingester::EncodeSeriesLabels(std::vector<LabelView>& labels, std::string* out,
                                          std::string_view* code) const {
  *code = "malformed";
  if (std::string why = CheckLabels(labels, limits_.max_labels_per_series, "__name__", code);
      !why.empty()) {
    return absl::InvalidArgumentError(why);
  }
  *code = "invalid_label_name";
  const size_t before = out->size();
  if (absl::Status st = AppendCanonicalEncoded(labels, out); !st.ok()) return st;
  std::string_view name;
  for (const LabelView& l : labels) {
    if (l.name == "__name__") name = l.value;
  }
  absl::Status refused;
  if (name.empty()) {
    *code = "missing_metric_name";
    refused = absl::InvalidArgumentError(
        StrCat(DescribeEncodedLabels(std::string_view(*out).substr(before)),
               " has no metric name: give it a __name__ label"));
  } else if (!IsValidMetricName(name)) {
    *code = "invalid_metric_name";
    refused = absl::InvalidArgumentError(
        StrCat("metric name \"", EscapeForMessage(name),
               "\" is invalid: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  if (!refused.ok()) out->resize(before);
  return refused;
}

absl::Status Ingester::ValidateSeries(ReceivedBatch& batch, int64_t now_ns,
                                      store::AppendRequest* out, Refusals* refused) {
  const std::string& protocol = batch.protocol;
  const ReceivedSeriesList& received = batch.series;
  const size_t n = received.size();
  // First the labels of every series, so that a batch refused whole admits nothing to budgets:
  // each valid series' canonical labels go to `encoded`, at [offset[i], offset[i + 1]); an
  // invalid series' range is empty (a valid one has at least its name).
  std::string encoded;
  encoded.reserve(received.bytes().size());
  std::vector<size_t> offset(n + 1);
  auto labels_of = [&](size_t i) {
    return std::string_view(encoded).substr(offset[i], offset[i + 1] - offset[i]);
  };
  auto valid = [&](size_t i) { return offset[i + 1] > offset[i]; };
  std::vector<LabelView> labels;
  Refusals invalid;
  Refusals* target = batch.refuse_whole_if_series_invalid ? &invalid : refused;
  uint64_t invalid_series = 0;
  for (size_t i = 0; i < n; ++i) {
    received.Labels(i, &labels);
    std::string_view code;
    absl::Status checked = EncodeSeriesLabels(labels, &encoded, &code);
    offset[i + 1] = encoded.size();
    if (checked.ok()) continue;
    uint64_t samples = received.Samples(i).size() + received.Histograms(i);
    ++invalid_series;
    target->Add(samples, StrCat("series ", i, ": ", checked.message()));
    SamplesRefused(protocol, code, samples);
  }
  if (invalid_series > 0 && batch.refuse_whole_if_series_invalid) {
    uint64_t total = received.SampleCount();
    SamplesRefused(protocol, "batch_refused", total - invalid.count);
    return absl::InvalidArgumentError(StrCat(invalid_series, " of ", n,
                                             " series are invalid, so none of the request's ",
                                             total, " samples was stored: ", invalid.reason));
  }
  const std::string& sender_name = batch.sender_name.empty() ? batch.sender : batch.sender_name;
  // The series with samples, admitted against the sender's budget under one lock.
  std::vector<uint64_t> hashes(n);
  std::vector<uint64_t> admitting;
  std::vector<size_t> admitting_index;
  admitting.reserve(n);
  admitting_index.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!valid(i) || received.Samples(i).empty()) continue;
    hashes[i] = HashEncodedLabels(labels_of(i));
    admitting.push_back(hashes[i]);
    admitting_index.push_back(i);
  }
  std::vector<std::pair<size_t, absl::Status>> over_budget;
  series_budgets_.AdmitAll(batch.sender, sender_name, admitting, now_ns, &over_budget);
  std::vector<std::optional<absl::Status>> budget_refusal(n);
  for (auto& [k, status] : over_budget) budget_refusal[admitting_index[k]] = std::move(status);
  out->series.Reserve(admitting.size(), encoded.size(), received.SampleCount());
  std::vector<store::Sample> in_time;
  for (size_t i = 0; i < n; ++i) {
    if (!valid(i)) continue;
    std::span<const store::Sample> samples = received.Samples(i);
    if (uint64_t histograms = received.Histograms(i); histograms > 0) {
      refused->Add(histograms,
                   StrCat("series ", i, " ", DescribeEncodedLabels(labels_of(i)), ": ", histograms,
                          " native histogram samples refused: vigie stores float samples only"));
      SamplesRefused(protocol, "native_histogram", histograms);
    }
    if (samples.empty()) continue;
    if (budget_refusal[i]) {
      refused->Add(samples.size(), StrCat("series ", i, " ", DescribeEncodedLabels(labels_of(i)),
                                          ": ", budget_refusal[i]->message()));
      SamplesRefused(protocol, "series_budget", samples.size());
      continue;
    }
    auto is_in_time = [&](const store::Sample& sample) {
      return CheckTime(MillisToNanos(sample.ts_ms), now_ns, "milliseconds").empty();
    };
    if (std::all_of(samples.begin(), samples.end(), is_in_time)) {
      out->series.Add(labels_of(i), hashes[i], samples);  // The common case.
      continue;
    }
    in_time.clear();
    for (size_t j = 0; j < samples.size(); ++j) {
      const store::Sample& sample = samples[j];
      int64_t ts_ns = MillisToNanos(sample.ts_ms);
      std::string why = CheckTime(ts_ns, now_ns, "milliseconds");
      if (why.empty()) {
        in_time.push_back(sample);
        continue;
      }
      refused->Add(
          1, StrCat("series ", i, " ", DescribeEncodedLabels(labels_of(i)), " sample ", j,
                    ": timestamp ", sample.ts_ms, " ms (", FormatRfc3339Nano(ts_ns), ") ", why));
      SamplesRefused(protocol, ts_ns > now_ns ? "too_new" : "too_old", 1);
    }
    out->series.Add(labels_of(i), hashes[i], in_time);
  }
  return absl::OkStatus();
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
  uint64_t samples = batch.series.SampleCount();
  if (metrics_ && !batch.series.empty()) {
    metrics_->SamplesReceived(batch.protocol, batch.series.size(), samples);
  }
  if (samples > limits_.max_samples_per_request) {
    SamplesRefused(batch.protocol, "too_many_samples", samples);
    return absl::InvalidArgumentError(StrCat(
        "request of ", samples, " samples is above the limit of ", limits_.max_samples_per_request,
        " (--max-samples-per-request): send smaller batches"));
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
  MergeRepeatedStreams(&prepared.request.streams);
  uint64_t refused_entries = prepared.refused.count;
  if (absl::Status valid = ValidateSeries(batch, now_ns, &prepared.request, &prepared.refused);
      !valid.ok()) {
    return valid;
  }
  prepared.refused_samples = prepared.refused.count - refused_entries;
  prepared.blocks = appender_->Prepare(prepared.request);
  return prepared;
}

absl::StatusOr<IngestOutcome> Ingester::Commit(PreparedIngest prepared) {
  auto result = appender_->Commit(std::move(prepared.blocks));
  if (!result.ok()) return result.status();
  Refusals& refused = prepared.refused;
  const store::AppendRequest& request = prepared.request;
  const store::SeriesAppendResult& series = result->series;
  IngestOutcome outcome;
  outcome.duplicate = result->duplicate;
  uint64_t entries = result->entries, samples = series.accepted;
  if (result->duplicate) {
    entries = samples = 0;
    for (const store::StreamEntries& s : request.streams) entries += s.entries.size();
    samples = request.series.sample_count();
  }
  outcome.accepted = entries + samples;
  outcome.samples_accepted = samples;
  uint64_t refused_entries = refused.count - prepared.refused_samples + result->rejected;
  if (result->rejected) refused.Add(result->rejected, result->reason);
  if (uint64_t n = series.out_of_order + series.conflicts + series.collisions; n > 0) {
    refused.Add(n, series.reason);
    SamplesRefused(prepared.protocol, "out_of_order", series.out_of_order);
    SamplesRefused(prepared.protocol, "conflict", series.conflicts);
    SamplesRefused(prepared.protocol, "collision", series.collisions);
  }
  outcome.rejected = refused.count;
  outcome.samples_rejected = refused.count - refused_entries;
  outcome.reason = std::move(refused.reason);
  metrics_->Ingested(prepared.protocol, entries, result->bytes, refused_entries, outcome.duplicate);
  if (samples > 0) metrics_->SamplesStored(prepared.protocol, samples);
  if (!result->duplicate && entries > 0) tails_->Publish(request);
  return outcome;
}

absl::StatusOr<IngestOutcome> Ingester::Ingest(ReceivedBatch batch) {
  auto prepared = Prepare(std::move(batch));
  if (!prepared.ok()) return prepared.status();
  return Commit(*std::move(prepared));
}

}  // namespace vigie::server
