#include "server/http/loki_push_decode.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "common/strings.h"
#include "common/utf8.h"
#include "google/protobuf/io/coded_stream.h"
#include "nlohmann/json.hpp"
#include "server/http/json_bytes.h"
#include "server/http/snappy_body.h"

namespace vigie::server::http {

namespace {

using google::protobuf::io::CodedInputStream;
using nlohmann::json;

void Refuse(ReceivedBatch* out, std::string_view why) { out->refused.Add(1, why); }

absl::Status StreamError(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

// ---- JSON ----

absl::StatusOr<std::vector<Label>> JsonLabels(const json& stream) {
  auto it = stream.find("stream");
  if (it == stream.end() || !it->is_object()) {
    return StreamError("\"stream\" must be an object of label names to string values");
  }
  std::vector<Label> labels;
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) {
      return StreamError(StrCat("label \"", EscapeForMessage(name), "\" has a value of type ",
                                value.type_name(), ", not a string"));
    }
    labels.push_back({name, value.get<std::string>()});
  }
  return labels;
}

// One [ts, line] or [ts, line, {metadata}] pair; nullopt (and the entry refused) when malformed.
std::optional<store::LogEntry> JsonEntry(const json& value, size_t stream, size_t index,
                                         ReceivedBatch* out) {
  auto refuse = [&](std::string_view what) {
    Refuse(out, StrCat("stream ", stream, " entry ", index, ": ", what));
    return std::nullopt;
  };
  if (!value.is_array() || value.size() < 2 || value.size() > 3) {
    return refuse("must be an array [\"<unix epoch in nanoseconds>\", \"<log line>\"]");
  }
  const json& ts = value[0];
  int64_t ts_ns = 0;
  if (!ts.is_string()) {
    return refuse(StrCat("the timestamp is a JSON ", ts.type_name(),
                         ", not a string holding Unix epoch nanoseconds"));
  }
  const std::string& ts_text = ts.get_ref<const std::string&>();
  if (!ParseNumber(ts_text, &ts_ns)) {
    return refuse(StrCat("timestamp \"", EscapeForMessage(ts_text),
                         "\" is not an integer count of Unix epoch nanoseconds"));
  }
  if (!value[1].is_string()) return refuse("the log line is not a string");
  if (value.size() == 3 && !value[2].is_object()) {
    return refuse("structured metadata (the third element) is not an object");
  }
  return store::LogEntry{ts_ns, value[1].get<std::string>()};
}

// ---- protobuf wire format ----
//
// logproto.PushRequest is decoded from the wire format by hand rather than with the generated
// class: proto3 `string` fields must be UTF-8 in C++ (parsing fails, and logs, otherwise), while
// Loki's Go code, and so every Loki client, treats lines as arbitrary bytes.

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

constexpr uint32_t Tag(uint32_t field, WireType type) { return field << 3 | type; }

bool SkipField(CodedInputStream& in, uint32_t tag) {
  switch (tag & 7) {
    case kVarint: {
      uint64_t v;
      return in.ReadVarint64(&v);
    }
    case kFixed64: {
      uint64_t v;
      return in.ReadLittleEndian64(&v);
    }
    case kFixed32: {
      uint32_t v;
      return in.ReadLittleEndian32(&v);
    }
    case kLengthDelimited: {
      uint32_t length;
      return in.ReadVarint32(&length) && in.Skip(static_cast<int>(length));
    }
    default:  // Groups (3, 4) are not used by these messages; anything else is invalid.
      return false;
  }
}

// Reads a length-delimited field's length and limits `in` to it; false when malformed.
bool EnterMessage(CodedInputStream& in, CodedInputStream::Limit* limit) {
  uint32_t length;
  if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit())) {
    return false;
  }
  *limit = in.PushLimit(static_cast<int>(length));
  return true;
}

bool ReadBytes(CodedInputStream& in, std::string* out) {
  uint32_t length;
  return in.ReadVarint32(&length) && in.ReadString(out, static_cast<int>(length));
}

// Reads fields until the current limit; `field` handles a tag and returns false on malformed
// input. True when the message ended exactly at its limit.
template <typename FieldFn>
bool ReadFields(CodedInputStream& in, FieldFn field) {
  while (in.BytesUntilLimit() != 0) {
    uint32_t tag = in.ReadTag();
    if (tag == 0 || !field(tag)) return false;
  }
  return true;
}

// google.protobuf.Timestamp {int64 seconds = 1; int32 nanos = 2;}
bool ReadTimestamp(CodedInputStream& in, int64_t* seconds, int64_t* nanos) {
  CodedInputStream::Limit limit;
  if (!EnterMessage(in, &limit)) return false;
  bool ok = ReadFields(in, [&](uint32_t tag) {
    uint64_t v;
    if (tag == Tag(1, kVarint)) {
      if (!in.ReadVarint64(&v)) return false;
      *seconds = static_cast<int64_t>(v);
      return true;
    }
    if (tag == Tag(2, kVarint)) {
      if (!in.ReadVarint64(&v)) return false;
      *nanos = static_cast<int32_t>(v);
      return true;
    }
    return SkipField(in, tag);
  });
  in.PopLimit(limit);
  return ok;
}

// logproto.EntryAdapter {Timestamp timestamp = 1; string line = 2; ... = 3 (metadata)}.
// Appends the entry to `entries`, or refuses it when its timestamp is out of range.
bool ReadEntry(CodedInputStream& in, size_t stream, std::vector<store::LogEntry>* entries,
               ReceivedBatch* out) {
  CodedInputStream::Limit limit;
  if (!EnterMessage(in, &limit)) return false;
  int64_t seconds = 0, nanos = 0;
  std::string line;
  bool ok = ReadFields(in, [&](uint32_t tag) {
    if (tag == Tag(1, kLengthDelimited)) return ReadTimestamp(in, &seconds, &nanos);
    if (tag == Tag(2, kLengthDelimited)) return ReadBytes(in, &line);
    return SkipField(in, tag);
  });
  in.PopLimit(limit);
  if (!ok) return false;
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (nanos < 0 || nanos > 999'999'999 || seconds < -kMaxSeconds || seconds > kMaxSeconds) {
    Refuse(out, StrCat("stream ", stream, " entry ", entries->size(), ": timestamp (", seconds,
                       " s, ", nanos, " ns) is out of range"));
    return true;
  }
  entries->push_back({seconds * 1'000'000'000 + nanos, std::move(line)});
  return true;
}

// logproto.StreamAdapter {string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3}
bool ReadStream(CodedInputStream& in, ReceivedBatch* out) {
  CodedInputStream::Limit limit;
  if (!EnterMessage(in, &limit)) return false;
  size_t index = out->streams.size();
  std::string labels;
  ReceivedStream stream;
  bool ok = ReadFields(in, [&](uint32_t tag) {
    if (tag == Tag(1, kLengthDelimited)) return ReadBytes(in, &labels);
    if (tag == Tag(2, kLengthDelimited)) return ReadEntry(in, index, &stream.entries, out);
    return SkipField(in, tag);
  });
  in.PopLimit(limit);
  if (!ok) return false;
  absl::StatusOr<LabelSet> parsed = LabelSet::Parse(labels);
  if (parsed.ok()) {
    stream.labels = parsed->labels();
  } else {
    stream.labels = parsed.status();
  }
  out->streams.push_back(std::move(stream));
  return true;
}

}  // namespace

absl::StatusOr<ReceivedBatch> DecodeLokiJsonPush(std::string_view body) {
  absl::StatusOr<json> parsed = ParseJsonBytes(body);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        StrCat("the body is not valid JSON: ", parsed.status().message()));
  }
  const json& doc = *parsed;
  auto streams = doc.is_object() ? doc.find("streams") : doc.end();
  if (!doc.is_object() || streams == doc.end() || !streams->is_array()) {
    return absl::InvalidArgumentError(
        "the body must be a JSON object {\"streams\": [{\"stream\": {...}, \"values\": [...]}]}");
  }
  ReceivedBatch out;
  out.protocol = "loki_json";
  for (size_t i = 0; i < streams->size(); ++i) {
    const json& s = (*streams)[i];
    ReceivedStream stream;
    if (!s.is_object()) {
      stream.labels = StreamError(StrCat("is a JSON ", s.type_name(), ", not an object"));
      out.streams.push_back(std::move(stream));
      continue;
    }
    stream.labels = JsonLabels(s);
    auto values = s.find("values");
    if (values == s.end() || !values->is_array()) {
      if (stream.labels.ok()) {
        stream.labels = StreamError("\"values\" must be an array of [timestamp, line] pairs");
      }
    } else {
      for (size_t j = 0; j < values->size(); ++j) {
        std::optional<store::LogEntry> entry = JsonEntry((*values)[j], i, j, &out);
        if (entry) stream.entries.push_back(*std::move(entry));
      }
    }
    out.streams.push_back(std::move(stream));
  }
  return out;
}

absl::StatusOr<ReceivedBatch> DecodeLokiProtoPush(std::string_view body,
                                                  uint64_t max_uncompressed_bytes) {
  absl::StatusOr<std::string> raw = Unsnappy(body, {.max_bytes = max_uncompressed_bytes});
  if (absl::IsInvalidArgument(raw.status())) {
    return absl::InvalidArgumentError(StrCat(std::string(raw.status().message()),
                                             ": send snappy protobuf, or Content-Type: "
                                             "application/json for JSON"));
  }
  if (!raw.ok()) return absl::InvalidArgumentError(std::string(raw.status().message()));
  ReceivedBatch out;
  out.protocol = "loki_proto";
  CodedInputStream in(reinterpret_cast<const uint8_t*>(raw->data()), static_cast<int>(raw->size()));
  CodedInputStream::Limit whole = in.PushLimit(static_cast<int>(raw->size()));
  bool ok = ReadFields(in, [&](uint32_t tag) {
    if (tag == Tag(1, kLengthDelimited)) return ReadStream(in, &out);
    return SkipField(in, tag);
  });
  in.PopLimit(whole);
  if (!ok) {
    return absl::InvalidArgumentError(
        StrCat("the body is not a valid logproto.PushRequest: malformed protobuf in stream ",
               out.streams.size(), " (byte ", in.CurrentPosition(), " of ", raw->size(), ")"));
  }
  return out;
}

}  // namespace vigie::server::http
