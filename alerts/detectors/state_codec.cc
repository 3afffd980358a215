#include "alerts/detectors/state_codec.h"

#include <cmath>
#include <cstring>

namespace vigie::alerts::detectors {

namespace {

void PutLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

}  // namespace

void StateWriter::U16(uint16_t v) { PutLittleEndian(out_, v, 2); }
void StateWriter::U32(uint32_t v) { PutLittleEndian(out_, v, 4); }
void StateWriter::I64(int64_t v) { PutLittleEndian(out_, static_cast<uint64_t>(v), 8); }

void StateWriter::F64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutLittleEndian(out_, bits, 8);
}

void StateWriter::F32(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutLittleEndian(out_, bits, 4);
}

bool StateReader::Take(size_t n, const char** p) {
  if (!ok_ || rest_.size() < n) {
    ok_ = false;
    return false;
  }
  *p = rest_.data();
  rest_.remove_prefix(n);
  return true;
}

uint8_t StateReader::U8() {
  const char* p;
  return Take(1, &p) ? static_cast<uint8_t>(*p) : 0;
}

uint16_t StateReader::U16() {
  const char* p;
  return Take(2, &p) ? static_cast<uint16_t>(GetLittleEndian(p, 2)) : 0;
}

uint32_t StateReader::U32() {
  const char* p;
  return Take(4, &p) ? static_cast<uint32_t>(GetLittleEndian(p, 4)) : 0;
}

int64_t StateReader::I64() {
  const char* p;
  return Take(8, &p) ? static_cast<int64_t>(GetLittleEndian(p, 8)) : 0;
}

double StateReader::F64() {
  const char* p;
  if (!Take(8, &p)) return 0;
  uint64_t bits = GetLittleEndian(p, 8);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  if (!std::isfinite(v)) {
    ok_ = false;
    return 0;
  }
  return v;
}

float StateReader::F32() {
  const char* p;
  if (!Take(4, &p)) return 0;
  uint32_t bits = static_cast<uint32_t>(GetLittleEndian(p, 4));
  float v;
  std::memcpy(&v, &bits, sizeof v);
  if (!std::isfinite(v)) {
    ok_ = false;
    return 0;
  }
  return v;
}

}  // namespace vigie::alerts::detectors
