#include "server/http/remote_write_decode.h"

#include "common/strings.h"
#include "prometheus/remote.pb.h"
#include "server/http/snappy_body.h"

namespace vigie::server::http {

namespace {

std::string TypeName(prometheus::MetricMetadata::MetricType type) {
  switch (type) {
    case prometheus::MetricMetadata::COUNTER:
      return "counter";
    case prometheus::MetricMetadata::GAUGE:
      return "gauge";
    case prometheus::MetricMetadata::HISTOGRAM:
      return "histogram";
    case prometheus::MetricMetadata::GAUGEHISTOGRAM:
      return "gaugehistogram";
    case prometheus::MetricMetadata::SUMMARY:
      return "summary";
    case prometheus::MetricMetadata::INFO:
      return "info";
    case prometheus::MetricMetadata::STATESET:
      return "stateset";
    default:
      return "unknown";
  }
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
  prometheus::WriteRequest request;
  if (!request.ParseFromString(*raw)) {
    return absl::InvalidArgumentError(
        StrCat("the body is snappy but not a valid protobuf prometheus.WriteRequest (", raw->size(),
               " bytes decompressed): send remote_write 1.0"));
  }
  raw->clear();
  raw->shrink_to_fit();
  RemoteWrite out;
  ReceivedBatch& batch = out.batch;
  batch.protocol = "remote_write";
  batch.refuse_whole_if_series_invalid = true;
  batch.series.reserve(request.timeseries_size());
  for (prometheus::TimeSeries& ts : *request.mutable_timeseries()) {
    ReceivedSeries& series = batch.series.emplace_back();
    std::vector<Label> labels;
    labels.reserve(ts.labels_size());
    for (prometheus::Label& l : *ts.mutable_labels()) {
      labels.push_back({std::move(*l.mutable_name()), std::move(*l.mutable_value())});
    }
    series.labels = std::move(labels);
    series.samples.reserve(ts.samples_size());
    for (const prometheus::Sample& s : ts.samples()) {
      series.samples.push_back({s.timestamp(), s.value()});
    }
    series.histograms = ts.histograms_size();
  }
  out.metadata.reserve(request.metadata_size());
  for (prometheus::MetricMetadata& m : *request.mutable_metadata()) {
    out.metadata.emplace_back(std::move(*m.mutable_metric_family_name()),
                              MetricMetadata{TypeName(m.type()), std::move(*m.mutable_help()),
                                             std::move(*m.mutable_unit())});
  }
  return out;
}

}  // namespace vigie::server::http
