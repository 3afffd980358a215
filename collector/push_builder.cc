#include "collector/push_builder.h"

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

}  // namespace

StreamRef MakeStream(const LabelSet& labels, size_t max_value_bytes) {
  std::vector<Label> valid;
  for (const Label& l : labels.labels()) {
    valid.push_back({l.name, ValidUtf8(l.value, max_value_bytes)});
  }
  auto info = std::make_shared<StreamInfo>();
  // Names were validated by LabelSet; the values only changed by replacement, keeping order.
  info->labels = LabelSet::Make(std::move(valid)).value();
  std::string label;
  for (const Label& l : info->labels.labels()) {
    label.clear();
    PutLengthDelimited(&label, kTag1Len, l.name);
    PutLengthDelimited(&label, kTag2Len, l.value);
    PutLengthDelimited(&info->wire_labels, kTag1Len, label);
  }
  return info;
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

std::string PushBuilder::Finish(std::string_view agent_id, uint64_t seq) {
  std::string out;
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
  streams_.clear();
  index_.clear();
  bytes_ = 0;
  entries_ = 0;
  return out;
}

}  // namespace vigie::collector
