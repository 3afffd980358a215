#include "server/http/remote_write_decode.h"

#include <bit>
#include <cstring>
#include <optional>

#include "common/strings.h"
#include "common/varint.h"
#include "server/http/snappy_body.h"

namespace vigie::server::http {

namespace {

std::string TypeName(uint64_t type) {
  switch (type) {
    case 1:
      return "counter";
    case 2:
      return "gauge";
    case 3:
      return "histogram";
    case 4:
      return "gaugehistogram";
    case 5:
      return "summary";
    case 6:
      return "info";
    case 7:
      return "stateset";
    default:
      return "unknown";
  }
}

// The protobuf wire format of one message (proto/prometheus/remote.proto), read in place: the
// fields of a WriteRequest are few and flat, so reading them straight into the Ingester's batch
// saves building (and freeing) a message object per series, label and sample.
class WireReader {
 public:
  enum WireType { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };
  explicit WireReader(std::string_view message) : in_(message) {}
  bool done() const { return in_.empty(); }
  // The next field's number and wire type. False when malformed (groups included: remote.proto
  // has none).
  bool Next(uint64_t* field, int* wire_type) {
    uint64_t tag = 0;
    if (!GetVarint(&in_, &tag)) return false;
    *field = tag >> 3;
    *wire_type = static_cast<int>(tag & 7);
    return *field != 0;
  }
  bool Varint(uint64_t* v) { return GetVarint(&in_, v); }
  bool Fixed64(uint64_t* v) {
    if (in_.size() < 8) return false;
    std::memcpy(v, in_.data(), 8);  // Little-endian, as the wire.
    in_.remove_prefix(8);
    return true;
  }
  bool Length(std::string_view* v) {
    uint64_t n = 0;
    if (!GetVarint(&in_, &n) || n > in_.size()) return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  // Skips the value of a field not read (unknown, or of another wire type than expected).
  bool Skip(int wire_type) {
    uint64_t v = 0;
    std::string_view bytes;
    switch (wire_type) {
      case kVarint:
        return Varint(&v);
      case kFixed64:
        return Fixed64(&v);
      case kLength:
        return Length(&bytes);
      case kFixed32:
        if (in_.size() < 4) return false;
        in_.remove_prefix(4);
        return true;
      default:
        return false;
    }
  }

 private:
  std::string_view in_;
};

// Calls on_field(field, wire_type, reader) for each field of `message`; it returns false when it
// did not read the value (then it is skipped). False when the message is malformed.
template <typename Fn>
bool ForEachField(std::string_view message, Fn&& on_field) {
  WireReader in(message);
  while (!in.done()) {
    uint64_t field = 0;
    int wire_type = 0;
    if (!in.Next(&field, &wire_type)) return false;
    std::optional<bool> read = on_field(field, wire_type, in);
    if (!read) return false;  // Malformed value.
    if (!*read && !in.Skip(wire_type)) return false;
  }
  return true;
}

// Reads a length-delimited field (bytes, or a sub-message) as a view into the message; the last
// one wins, as in protobuf.
std::optional<bool> ReadView(int wire_type, WireReader& in, std::string_view* out) {
  if (wire_type != WireReader::kLength) return false;
  if (!in.Length(out)) return std::nullopt;
  return true;
}

// Reads a bytes field into *out.
std::optional<bool> ReadBytes(int wire_type, WireReader& in, std::string* out) {
  std::string_view v;
  std::optional<bool> read = ReadView(wire_type, in, &v);
  if (read && *read) out->assign(v);
  return read;
}

bool ParseLabel(std::string_view message, LabelView* out) {
  return ForEachField(message, [&](uint64_t field, int wire_type, WireReader& in) {
    if (field == 1) return ReadView(wire_type, in, &out->name);
    if (field == 2) return ReadView(wire_type, in, &out->value);
    return std::optional<bool>(false);
  });
}

bool ParseSample(std::string_view message, store::Sample* out) {
  return ForEachField(message, [&](uint64_t field, int wire_type, WireReader& in) {
    uint64_t v = 0;
    if (field == 1 && wire_type == WireReader::kFixed64) {
      if (!in.Fixed64(&v)) return std::optional<bool>();
      out->value = std::bit_cast<double>(v);
      return std::optional<bool>(true);
    }
    if (field == 2 && wire_type == WireReader::kVarint) {
      if (!in.Varint(&v)) return std::optional<bool>();
      out->ts_ms = static_cast<int64_t>(v);
      return std::optional<bool>(true);
    }
    return std::optional<bool>(false);
  });
}

// Adds the series `message` (a prometheus.TimeSeries, a view into out->bytes()) to *out, its
// labels as views into the same bytes.
bool ParseTimeSeries(std::string_view message, ReceivedSeriesList* out) {
  out->StartSeries();
  return ForEachField(message, [&](uint64_t field, int wire_type, WireReader& in) {
    std::string_view part;
    if (field == 1 || field == 2 || field == 4) {
      std::optional<bool> read = ReadView(wire_type, in, &part);
      if (!read || !*read) return read;
    }
    bool valid = true;
    if (field == 1) {
      LabelView label;
      valid = ParseLabel(part, &label);
      if (valid) out->AddLabelInBytes(label.name, label.value);
    } else if (field == 2) {
      store::Sample sample;
      valid = ParseSample(part, &sample);
      if (valid) out->AddSample(sample);
    } else if (field == 4) {
      out->AddHistograms(1);
    } else {
      return std::optional<bool>(false);
    }
    return valid ? std::optional<bool>(true) : std::nullopt;
  });
}

bool ParseMetadata(std::string_view message, std::string* name, MetricMetadata* out) {
  uint64_t type = 0;
  bool ok = ForEachField(message, [&](uint64_t field, int wire_type, WireReader& in) {
    if (field == 1 && wire_type == WireReader::kVarint) {
      return in.Varint(&type) ? std::optional<bool>(true) : std::nullopt;
    }
    if (field == 2) return ReadBytes(wire_type, in, name);
    if (field == 4) return ReadBytes(wire_type, in, &out->help);
    if (field == 5) return ReadBytes(wire_type, in, &out->unit);
    return std::optional<bool>(false);
  });
  out->type = TypeName(type);
  return ok;
}

}  // namespace

absl::StatusOr<RemoteWrite> DecodeRemoteWrite(std::string_view body, const InflateLimits& limits) {
  absl::StatusOr<std::string> raw = Unsnappy(body, limits);
  if (absl::IsInvalidArgument(raw.status())) {
    return absl::InvalidArgumentError(
        StrCat(std::string(raw.status().message()),
               ": remote_write bodies are snappy-compressed protobuf (Content-Encoding: snappy, "
               "Content-Type: application/x-protobuf)"));
  }
  if (!raw.ok()) return raw.status();
  const size_t raw_size = raw->size();
  if (raw_size > UINT32_MAX) {
    return absl::OutOfRangeError(StrCat("the body decompresses to ", raw_size,
                                        " bytes, more than 4 GiB: send smaller "
                                        "requests"));
  }
  RemoteWrite out;
  ReceivedBatch& batch = out.batch;
  batch.protocol = "remote_write";
  batch.refuse_whole_if_series_invalid = true;
  // The labels are views into the body, which the batch keeps.
  batch.series = ReceivedSeriesList(*std::move(raw));
  std::string_view body_view = batch.series.bytes();
  bool ok = ForEachField(body_view, [&](uint64_t field, int wire_type, WireReader& in) {
    std::string_view part;
    if (field != 1 && field != 3) return std::optional<bool>(false);
    std::optional<bool> read = ReadView(wire_type, in, &part);
    if (!read || !*read) return read;
    bool valid = true;
    if (field == 1) {
      valid = ParseTimeSeries(part, &batch.series);
    } else {
      auto& [name, m] = out.metadata.emplace_back();
      valid = ParseMetadata(part, &name, &m);
    }
    return valid ? std::optional<bool>(true) : std::nullopt;
  });
  if (!ok) {
    return absl::InvalidArgumentError(
        StrCat("the body is snappy but not a valid protobuf prometheus.WriteRequest (", raw_size,
               " bytes decompressed): send remote_write 1.0"));
  }
  return out;
}

}  // namespace vigie::server::http
