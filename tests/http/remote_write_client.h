// What a Prometheus remote_write sender does, for the tests: a WriteRequest built from series,
// serialized, snappy-compressed and POSTed with the spec's headers.
#pragma once

#include <snappy.h>

#include <string>
#include <utility>
#include <vector>

#include "prometheus/remote.pb.h"
#include "tests/http/http_client.h"

namespace vigie::testing {

struct WriteSeries {
  std::vector<std::pair<std::string, std::string>> labels;  // __name__ included.
  std::vector<std::pair<int64_t, double>> samples;          // (Unix ms, value).
};

inline prometheus::WriteRequest MakeWriteRequest(const std::vector<WriteSeries>& series) {
  prometheus::WriteRequest request;
  for (const WriteSeries& s : series) {
    prometheus::TimeSeries* ts = request.add_timeseries();
    for (const auto& [name, value] : s.labels) {
      prometheus::Label* l = ts->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
    for (auto [t, v] : s.samples) {
      prometheus::Sample* sample = ts->add_samples();
      sample->set_timestamp(t);
      sample->set_value(v);
    }
  }
  return request;
}

inline std::string Snappy(const std::string& raw) {
  std::string compressed;
  snappy::Compress(raw.data(), raw.size(), &compressed);
  return compressed;
}

inline const Headers& RemoteWriteHeaders() {
  static const Headers headers = {{"Content-Encoding", "snappy"},
                                  {"Content-Type", "application/x-protobuf"},
                                  {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  return headers;
}

// POSTs `request` to /api/v1/write at `address`, with `extra` headers (Authorization).
inline HttpReply RemoteWrite(const std::string& address, const prometheus::WriteRequest& request,
                             Headers extra = {}) {
  Headers headers = RemoteWriteHeaders();
  headers.insert(headers.end(), extra.begin(), extra.end());
  return HttpCall(address, "POST", "/api/v1/write", Snappy(request.SerializeAsString()), headers);
}

}  // namespace vigie::testing
