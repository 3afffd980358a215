// Little-endian encoding of detector state (detector.h's Serialize/RestoreDetector). The
// reader checks every length against what is left and never reads past the end; a failed
// read sticks, so a decoder can read everything and check ok() once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigie::alerts::detectors {

class StateWriter {
 public:
  // Appends to *out, which must outlive the writer.
  explicit StateWriter(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  void I64(int64_t v);
  void F64(double v);
  void F32(float v);

 private:
  std::string* out_;
};

class StateReader {
 public:
  // Reads from `bytes`, which must outlive the reader.
  explicit StateReader(std::string_view bytes) : rest_(bytes) {}
  uint8_t U8();
  uint16_t U16();
  uint32_t U32();
  int64_t I64();
  // A NaN or infinity is a failure: no detector state holds one.
  double F64();
  float F32();
  // False after any read past the end or of a non-finite number.
  bool ok() const { return ok_; }
  bool at_end() const { return rest_.empty(); }
  // Marks the state corrupt (a decoder's own range check failed).
  void Fail() { ok_ = false; }

 private:
  bool Take(size_t n, const char** p);
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace vigie::alerts::detectors
