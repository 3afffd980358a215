#include "store/chunk.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vigie::store {

namespace {

constexpr size_t kHeaderBytes = 2;  // u16 big-endian sample count.

// Delta-of-delta classes: a prefix of 1 bits ended by a 0 (none for the last class), then the
// value in that many bits, two's complement.
struct DodClass {
  uint64_t prefix;
  int prefix_bits;
  int value_bits;
};
constexpr DodClass kDodClasses[] = {
    {0b10, 2, 14}, {0b110, 3, 17}, {0b1110, 4, 20}, {0b1111, 4, 64}};

bool FitsSigned(int64_t v, int bits) {
  if (bits >= 64) return true;
  int64_t limit = int64_t{1} << (bits - 1);
  return v >= -limit && v < limit;
}

uint64_t Mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

int64_t SignExtend(uint64_t v, int bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Reads a big-endian bit stream. Reads of up to 56 bits take one unaligned 8-byte load while
// that many bytes remain (decoding is the bulk of a query over many series); the last bytes are
// read bit by bit.
class BitReader {
 public:
  explicit BitReader(std::string_view bytes) : bytes_(bytes), size_bits_(bytes.size() * 8) {}
  bool Read(int n, uint64_t* out) {
    if (size_bits_ - pos_ < static_cast<size_t>(n)) return false;
    if (n > 56) {
      uint64_t high = 0, low = 0;
      Read(n - 32, &high);
      Read(32, &low);
      *out = (high << 32) | low;
      return true;
    }
    if (n == 0) {
      *out = 0;
      return true;
    }
    if (pos_ / 8 + 8 > bytes_.size()) return ReadSlowly(n, out);
    *out = (Word() << (pos_ % 8)) >> (64 - n);
    pos_ += static_cast<size_t>(n);
    return true;
  }
  // The number of leading 1 bits, stopping after `max` (<= 8) of them, and the 0 bit that ends
  // them when fewer.
  bool ReadOnes(int max, int* ones) {
    if (pos_ / 8 + 8 > bytes_.size()) return ReadOnesSlowly(max, ones);
    int run = std::countl_one(Word() << (pos_ % 8));
    *ones = std::min(run, max);
    pos_ += static_cast<size_t>(*ones < max ? *ones + 1 : max);
    return true;
  }

 private:
  // The 8 bytes from the one holding bit pos_, big-endian.
  uint64_t Word() const {
    uint64_t word;
    std::memcpy(&word, bytes_.data() + pos_ / 8, sizeof(word));
    return std::endian::native == std::endian::little ? __builtin_bswap64(word) : word;
  }
  bool ReadSlowly(int n, uint64_t* out) {
    uint64_t v = 0;
    while (n > 0) {
      int offset = static_cast<int>(pos_ % 8);
      int take = std::min(n, 8 - offset);
      uint64_t byte = static_cast<uint8_t>(bytes_[pos_ / 8]);
      v = (v << take) | ((byte >> (8 - offset - take)) & Mask(take));
      pos_ += static_cast<size_t>(take);
      n -= take;
    }
    *out = v;
    return true;
  }
  bool ReadOnesSlowly(int max, int* ones) {
    *ones = 0;
    uint64_t bit = 0;
    while (*ones < max) {
      if (!Read(1, &bit)) return false;
      if (bit == 0) break;
      ++*ones;
    }
    return true;
  }

  std::string_view bytes_;
  size_t size_bits_;
  size_t pos_ = 0;
};

}  // namespace

void ChunkAppender::WriteBits(uint64_t value, int n) {
  while (n > 0) {
    if (free_bits_ == 0) {
      bytes_.push_back(0);
      free_bits_ = 8;
    }
    int take = std::min<int>(n, free_bits_);
    uint64_t part = (value >> (n - take)) & Mask(take);
    bytes_.back() =
        static_cast<char>(static_cast<uint8_t>(bytes_.back()) | (part << (free_bits_ - take)));
    free_bits_ = static_cast<uint8_t>(free_bits_ - take);
    n -= take;
  }
}

void ChunkAppender::Append(int64_t ts_ms, double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  if (count_ == 0) {
    bytes_.reserve(32);
    bytes_.assign(kHeaderBytes, '\0');
    free_bits_ = 0;
    WriteBits(static_cast<uint64_t>(ts_ms), 64);
    WriteBits(bits, 64);
    first_ts_ = last_ts_ = ts_ms;
    last_delta_ = 0;
  } else {
    // Wrapping arithmetic: any two int64 times have a delta-of-delta that decodes back exactly.
    int64_t delta =
        static_cast<int64_t>(static_cast<uint64_t>(ts_ms) - static_cast<uint64_t>(last_ts_));
    int64_t dod =
        static_cast<int64_t>(static_cast<uint64_t>(delta) - static_cast<uint64_t>(last_delta_));
    if (dod == 0) {
      WriteBits(0, 1);
    } else {
      for (const DodClass& c : kDodClasses) {
        if (FitsSigned(dod, c.value_bits)) {
          WriteBits(c.prefix, c.prefix_bits);
          WriteBits(static_cast<uint64_t>(dod) & Mask(c.value_bits), c.value_bits);
          break;
        }
      }
    }
    last_delta_ = delta;
    last_ts_ = ts_ms;
    uint64_t x = bits ^ last_bits_;
    if (x == 0) {
      WriteBits(0, 1);
    } else {
      int lead = std::min(std::countl_zero(x), 31);
      int trail = std::countr_zero(x);
      if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
        WriteBits(0b10, 2);
        WriteBits(x >> trailing_, 64 - leading_ - trailing_);
      } else {
        int significant = 64 - lead - trail;
        WriteBits(0b11, 2);
        WriteBits(static_cast<uint64_t>(lead), 5);
        WriteBits(static_cast<uint64_t>(significant & 63), 6);  // 64 is written as 0.
        WriteBits(x >> trail, significant);
        leading_ = static_cast<uint8_t>(lead);
        trailing_ = static_cast<uint8_t>(trail);
      }
    }
  }
  last_bits_ = bits;
  ++count_;
  bytes_[0] = static_cast<char>(count_ >> 8);
  bytes_[1] = static_cast<char>(count_ & 0xff);
}

absl::Status DecodeChunk(std::string_view chunk, int64_t mint_ms, int64_t maxt_ms,
                         std::vector<Sample>* out) {
  auto corrupt = [](std::string_view what) {
    return absl::DataLossError(std::string("corrupt series chunk: ") + std::string(what));
  };
  if (chunk.size() < kHeaderBytes) return corrupt("shorter than its header");
  size_t count =
      (static_cast<size_t>(static_cast<uint8_t>(chunk[0])) << 8) | static_cast<uint8_t>(chunk[1]);
  BitReader in(chunk.substr(kHeaderBytes));
  // A sample takes at least 2 bits after the first's 128: a larger count is corrupt and must not
  // make a large reservation. Grown geometrically: a series is read chunk after chunk.
  size_t needed = out->size() + std::min(count, chunk.size() * 4);
  if (needed > out->capacity()) out->reserve(std::max(needed, 2 * out->capacity()));
  uint64_t ts = 0, bits = 0, delta = 0;
  int leading = -1, trailing = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i == 0) {
      if (!in.Read(64, &ts) || !in.Read(64, &bits)) return corrupt("truncated first sample");
    } else {
      int ones = 0;
      if (!in.ReadOnes(4, &ones)) return corrupt("truncated timestamp");
      if (ones > 0) {
        const DodClass& c = kDodClasses[ones - 1];
        uint64_t raw = 0;
        if (!in.Read(c.value_bits, &raw)) return corrupt("truncated timestamp");
        delta += static_cast<uint64_t>(SignExtend(raw, c.value_bits));
      }
      ts += delta;
      if (!in.ReadOnes(2, &ones)) return corrupt("truncated value");
      if (ones == 1) {
        if (leading < 0) return corrupt("value reuses a window before any was set");
        uint64_t x = 0;
        if (!in.Read(64 - leading - trailing, &x)) return corrupt("truncated value");
        bits ^= x << trailing;
      } else if (ones == 2) {
        uint64_t lead = 0, significant = 0, x = 0;
        if (!in.Read(5, &lead) || !in.Read(6, &significant)) return corrupt("truncated value");
        if (significant == 0) significant = 64;
        if (lead + significant > 64) return corrupt("value window beyond 64 bits");
        if (!in.Read(static_cast<int>(significant), &x)) return corrupt("truncated value");
        leading = static_cast<int>(lead);
        trailing = static_cast<int>(64 - lead - significant);
        bits ^= x << trailing;
      }
    }
    int64_t t = static_cast<int64_t>(ts);
    if (t >= mint_ms && t <= maxt_ms) out->push_back({t, std::bit_cast<double>(bits)});
  }
  return absl::OkStatus();
}

}  // namespace vigie::store
