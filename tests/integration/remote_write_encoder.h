// A Prometheus remote_write 1.0 request body, written directly: the protobuf WriteRequest
// (prompb: TimeSeries = 1 { Label = 1 {name = 1, value = 2}, Sample = 2 {value = 1 double,
// timestamp = 2 int64 ms} }) in snappy's block format. For the tests and the benchmark, which
// play the sender's part; header-only so that bench/ uses it without linking tests/.
//
// Thread-compatible: a WriteRequestEncoder is used by one thread at a time.
#pragma once

#include <snappy.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::testing {

class WriteRequestEncoder {
 public:
  // Starts a series; its labels and samples follow. Labels must be given sorted by name, with
  // __name__ among them, as Prometheus sends them.
  void BeginSeries() {
    FinishSeries();
    series_.clear();
  }
  void Label(std::string_view name, std::string_view value) {
    std::string label;
    Bytes(&label, 1, name);
    Bytes(&label, 2, value);
    Bytes(&series_, 1, label);
  }
  void Sample(int64_t timestamp_ms, double value) {
    std::string sample;
    Tag(&sample, 1, 1);  // 64-bit.
    char bytes[8];
    std::memcpy(bytes, &value, 8);
    sample.append(bytes, 8);
    Tag(&sample, 2, 0);  // Varint.
    Varint(&sample, static_cast<uint64_t>(timestamp_ms));
    Bytes(&series_, 2, sample);
  }
  // The snappy-compressed WriteRequest of every series begun so far; starts a new request.
  std::string Finish() {
    FinishSeries();
    std::string compressed;
    snappy::Compress(request_.data(), request_.size(), &compressed);
    request_.clear();
    open_ = false;
    return compressed;
  }

 private:
  static void Varint(std::string* out, uint64_t v) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  }
  static void Tag(std::string* out, int field, int wire_type) {
    Varint(out, field << 3 | wire_type);
  }
  static void Bytes(std::string* out, int field, std::string_view bytes) {
    Tag(out, field, 2);
    Varint(out, bytes.size());
    out->append(bytes);
  }
  void FinishSeries() {
    if (open_) Bytes(&request_, 1, series_);
    open_ = true;
  }

  std::string request_;
  std::string series_;
  bool open_ = false;
};

}  // namespace vigie::testing
