#include "collector/push_builder.h"

#include <cstring>

#include "common/utf8.h"
#include "common/varint.h"

namespace vigie::collector {

namespace {

// Protobuf wire tags: (field number << 3) | wire type (0 varint, 2 length-delimited).
constexpr char kTag1Len = 0x0a;
constexpr char kTag2Varint = 0x10;
constexpr char kTag2Len = 0x12;
constexpr char kTag1Varint = 0x08;
constexpr char kTag3Len = 0x1a;
constexpr char kTag6Varint = 0x30;
constexpr char kTag4Len = 0x22;
constexpr char kTag7Len = 0x3a;
constexpr char kTag2Fixed64 = 0x11;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutLengthDelimited(std::string* out, char tag, std::string_view bytes) {
  out->push_back(tag);
  PutVarint(out, bytes.size());
  out->append(bytes);
}

// Appends `labels` as `repeated Label labels = 1`.
void PutLabels(const LabelSet& labels, std::string* out) {
  std::string label;
  for (const Label& l : labels.labels()) {
    label.clear();
    PutLengthDelimited(&label, kTag1Len, l.name);
    PutLengthDelimited(&label, kTag2Len, l.value);
    PutLengthDelimited(out, kTag1Len, label);
  }
}

// `labels` with values made valid UTF-8 and cut at `max_value_bytes`. Names were validated by
// LabelSet; the values only change by replacement, keeping the order.
LabelSet ValidLabels(LabelSet labels, size_t max_value_bytes) {
  bool valid = true;
  for (const Label& l : labels.labels()) {
    valid = valid && l.value.size() <= max_value_bytes && IsValidUtf8(l.value);
  }
  if (valid) return labels;
  std::vector<Label> out;
  for (const Label& l : labels.labels()) {
    out.push_back({l.name, ValidUtf8(l.value, max_value_bytes)});
  }
  return LabelSet::Make(std::move(out)).value();
}

// The encoded size of Sample{ts_ms = 1, value = 2} with its tag and length.
size_t SampleBytes(int64_t ts_ms) { return 12 + VarintSize(static_cast<uint64_t>(ts_ms)); }

// Writes the sample at `out` (SampleBytes(sample.ts_ms) bytes), both fields always: a value of 0
// is as valid as any. Returns the end.
char* PutSample(const MetricSample& sample, char* out) {
  uint64_t ts = static_cast<uint64_t>(sample.ts_ms);
  uint64_t bits;
  std::memcpy(&bits, &sample.value, sizeof(bits));
  *out++ = kTag2Len;
  *out++ = static_cast<char>(SampleBytes(sample.ts_ms) - 2);
  *out++ = kTag1Varint;
  for (; ts >= 0x80; ts >>= 7) *out++ = static_cast<char>(ts | 0x80);
  *out++ = static_cast<char>(ts);
  *out++ = kTag2Fixed64;
  for (int i = 0; i < 8; ++i) *out++ = static_cast<char>(bits >> (8 * i));
  return out;
}

}  // namespace

std::shared_ptr<const WireLabels> MakeWireLabels(LabelSet labels, size_t max_value_bytes) {
  auto info = std::make_shared<WireLabels>();
  info->labels = ValidLabels(std::move(labels), max_value_bytes);
  PutLabels(info->labels, &info->wire_labels);
  return info;
}

size_t EncodedMetricsBytes(const MetricUnit& unit) {
  size_t bytes = 0;
  for (const MetricSample& s : unit.samples) {
    bytes += 24 + s.series->wire_labels.size();  // The sample, the series' labels and framing.
  }
  for (const MetricFamilyInfo& m : unit.metadata) {
    bytes += m.metric.size() + m.type.size() + m.help.size() + m.unit.size() + 12;
  }
  return bytes;
}

void AppendFirstSeq(uint64_t first_seq, std::string* request) {
  request->push_back(kTag6Varint);
  PutVarint(request, first_seq);
}

void PushBuilder::Add(const StreamRef& stream, int64_t ts_ns, std::string_view line) {
  auto [it, inserted] = index_.try_emplace(stream.get(), streams_.size());
  if (inserted) {
    streams_.push_back({stream, {}});
    bytes_ += stream->wire_labels.size() + 8;
  }
  std::string& out = streams_[it->second].entries;
  // Entry{ts_ns = 1, line = 2}; proto3 leaves zero values out.
  uint64_t ts = static_cast<uint64_t>(ts_ns);
  size_t body = (ts_ns != 0 ? 1 + VarintSize(ts) : 0) +
                (line.empty() ? 0 : 1 + VarintSize(line.size()) + line.size());
  size_t before = out.size();
  out.push_back(kTag2Len);
  PutVarint(&out, body);
  if (ts_ns != 0) {
    out.push_back(kTag1Varint);
    PutVarint(&out, ts);
  }
  if (!line.empty()) PutLengthDelimited(&out, kTag2Len, line);
  bytes_ += out.size() - before;
  ++entries_;
}

void PushBuilder::AddMetrics(const MetricUnit& unit) {
  size_t before = series_.size() + metadata_.size();
  series_.reserve(series_.size() + EncodedMetricsBytes(unit));
  const std::vector<MetricSample>& samples = unit.samples;
  for (size_t first = 0, end; first < samples.size(); first = end) {
    // A Series for the run of samples of one handle, sized first so that it is written in place.
    const std::string& labels = samples[first].series->wire_labels;
    size_t body = labels.size();
    for (end = first; end < samples.size() && samples[end].series == samples[first].series; ++end) {
      body += SampleBytes(samples[end].ts_ms);
    }
    series_.push_back(kTag4Len);
    PutVarint(&series_, body);
    series_.append(labels);
    size_t at = series_.size();
    series_.resize(at + body - labels.size());
    char* out = series_.data() + at;
    for (size_t i = first; i < end; ++i) out = PutSample(samples[i], out);
  }
  std::string one;
  for (const MetricFamilyInfo& m : unit.metadata) {
    one.clear();
    // MetricMetadata{metric = 1, type = 2, help = 3, unit = 4}; empty fields left out.
    PutLengthDelimited(&one, kTag1Len, ValidUtf8(m.metric));
    if (!m.type.empty()) PutLengthDelimited(&one, kTag2Len, ValidUtf8(m.type));
    if (!m.help.empty()) PutLengthDelimited(&one, kTag3Len, ValidUtf8(m.help));
    if (!m.unit.empty()) PutLengthDelimited(&one, kTag4Len, ValidUtf8(m.unit));
    PutLengthDelimited(&metadata_, kTag7Len, one);
  }
  bytes_ += series_.size() + metadata_.size() - before;
  samples_ += unit.samples.size();
}

std::string PushBuilder::Finish(std::string_view agent_id, uint64_t seq) {
  // The series first: a scrape's megabytes are not copied again. Protobuf reads fields in any
  // order, and concatenated batches still end with the last one's seq (AppendFirstSeq).
  std::string out = std::move(series_);
  series_ = std::string();
  out.reserve(bytes_ + agent_id.size() + 16);
  PutLengthDelimited(&out, kTag1Len, agent_id);
  out.push_back(kTag2Varint);
  PutVarint(&out, seq);
  for (const Pending& p : streams_) {
    out.push_back(kTag3Len);
    PutVarint(&out, p.stream->wire_labels.size() + p.entries.size());
    out.append(p.stream->wire_labels);
    out.append(p.entries);
  }
  out.append(metadata_);
  streams_.clear();
  index_.clear();
  metadata_.clear();
  bytes_ = 0;
  entries_ = 0;
  samples_ = 0;
  return out;
}

}  // namespace vigie::collector
