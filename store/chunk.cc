#include "store/chunk.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>

#include "common/varint.h"

namespace vigie::store {

namespace {

// The first byte of a chunk of the current encoding. A chunk whose first byte is anything else
// is a legacy XOR chunk (docs/storage-format.md, "Series chunk"): its first byte is the high
// byte of its sample count, never 0xff (vigied cut chunks at 120 samples).
constexpr char kDecimalXorMarker = '\xff';
constexpr size_t kHeaderBytes = 3;        // The marker, u16 big-endian sample count.
constexpr size_t kLegacyHeaderBytes = 2;  // u16 big-endian sample count.

// A signed integer written as a prefix of 1 bits ended by a 0 (none for the last class), then
// the value in that many bits, two's complement.
struct IntClass {
  uint64_t prefix;
  int prefix_bits;
  int value_bits;
};
// Timestamps: delta-of-delta (0 for regular scrapes).
constexpr IntClass kDodClasses[] = {
    {0b0, 1, 0}, {0b10, 2, 14}, {0b110, 3, 17}, {0b1110, 4, 20}, {0b1111, 4, 64}};
// Values of the decimal kind: the difference of the decimal mantissas.
constexpr IntClass kDeltaClasses[] = {
    {0b0, 1, 7}, {0b10, 2, 12}, {0b110, 3, 20}, {0b1110, 4, 32}, {0b1111, 4, 64}};

// The value kinds of a sample after the first (the current encoding): the prefix and its bits.
constexpr int kSameValueOnes = 0;  // '0'
constexpr int kDecimalOnes = 1;    // '10'  + a kDeltaClasses integer
constexpr int kXorReuseOnes = 2;   // '110' + the XOR within the previous window
constexpr int kXorNewOnes = 3;     // '111' + 5 bits L, 6 bits length, the XOR's bits

constexpr int kMaxScale = 15;
constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
constexpr double kMaxMantissa = 9007199254740992.0;  // 2^53: every integer up to it is exact.

bool FitsSigned(int64_t v, int bits) {
  if (bits >= 64) return true;
  if (bits == 0) return v == 0;
  int64_t limit = int64_t{1} << (bits - 1);
  return v >= -limit && v < limit;
}

uint64_t Mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

int64_t SignExtend(uint64_t v, int bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  if (bits == 0) return 0;
  uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

template <size_t N>
const IntClass& ClassOf(int64_t v, const IntClass (&classes)[N]) {
  for (const IntClass& c : classes) {
    if (FitsSigned(v, c.value_bits)) return c;
  }
  return classes[N - 1];
}

int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// Whether `value` is m / 10^scale, correctly rounded, for an integer |m| <= 2^53 (then *m is it):
// decimal numbers as written by exporters ("12.34") come back bit for bit from their mantissa.
bool AtScale(double value, int scale, int64_t* m) {
  double scaled = value * kPow10[scale];
  if (!(std::fabs(scaled) <= kMaxMantissa)) return false;  // Also NaN and the infinities.
  int64_t candidate = std::llround(scaled);
  double back = static_cast<double>(candidate) / kPow10[scale];
  if (std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(value)) return false;
  *m = candidate;
  return true;
}

// The decimal state after a value written whole (the first, or XOR): the current scale when the
// value fits it, else the smallest that does. Encoder and decoder both call it.
void LearnDecimal(double value, ChunkDecimalState* state) {
  int64_t m = 0;
  if (state->valid && AtScale(value, state->scale, &m)) {
    state->mantissa = m;
    return;
  }
  state->valid = false;
  for (int scale = 0; scale <= kMaxScale; ++scale) {
    if (AtScale(value, scale, &m)) {
      *state = {m, static_cast<uint8_t>(scale), true};
      return;
    }
  }
}

// Reads a chunk's bits most significant first, 64 at a time: a read is a load, two shifts and
// a bounds check, not a loop over bytes (queries decode every chunk they touch).
class BitReader {
 public:
  explicit BitReader(std::string_view bytes)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())), bits_(bytes.size() * 8) {}
  // The next n bits (0 <= n <= 64) as an unsigned integer. False (nothing read) past the end.
  bool Read(int n, uint64_t* out) {
    if (bits_ - pos_ < static_cast<size_t>(n)) return false;
    if (n == 0) {
      *out = 0;
      return true;
    }
    const int offset = static_cast<int>(pos_ % 8);
    uint64_t v = Peek() >> (64 - n);  // Peek()'s low `offset` bits are zero.
    if (offset + n > 64) {            // The last bits are in the ninth byte.
      int rest = offset + n - 64;
      v |= Byte(pos_ / 8 + 8) >> (8 - rest);
    }
    pos_ += n;
    *out = v;
    return true;
  }
  // The number of leading 1 bits, stopping after `max` of them (max < 64); the 0 that ends them
  // (when fewer than max) is consumed. False when the input ends first.
  bool ReadOnes(int max, int* ones) {
    int n = std::min(std::countl_one(Peek()), max);
    if (!Skip(n < max ? n + 1 : n)) return false;
    *ones = n;
    return true;
  }
  // An integer of `classes`: its prefix and value are usually within one Peek().
  template <size_t N>
  [[gnu::always_inline]] bool ReadClassed(const IntClass (&classes)[N], int64_t* out) {
    constexpr int kLast = static_cast<int>(N) - 1;
    const uint64_t word = Peek();
    const int ones = std::min(std::countl_one(word), kLast);
    const int prefix = ones < kLast ? ones + 1 : ones;
    const IntClass& c = classes[ones];
    uint64_t raw = 0;
    if (prefix + c.value_bits <= kPeekBits) {
      if (!Skip(prefix + c.value_bits)) return false;
      if (c.value_bits > 0) raw = (word << prefix) >> (64 - c.value_bits);
    } else if (!Skip(prefix) || !Read(c.value_bits, &raw)) {
      return false;
    }
    *out = SignExtend(raw, c.value_bits);
    return true;
  }

 private:
  // Peek() holds at least this many of the next bits (zeros past the end of the input).
  static constexpr int kPeekBits = 57;
  // Inlined, with the rare end of the input apart: every field of every sample reads it.
  [[gnu::always_inline]] uint64_t Peek() const {
    const size_t i = pos_ / 8;
    if (i + 8 <= bits_ / 8) [[likely]] {
      return GetBigEndian64(reinterpret_cast<const char*>(data_ + i)) << (pos_ % 8);
    }
    return Tail(i) << (pos_ % 8);
  }
  bool Skip(int n) {
    if (bits_ - pos_ < static_cast<size_t>(n)) return false;
    pos_ += static_cast<size_t>(n);
    return true;
  }
  uint64_t Byte(size_t i) const { return i < bits_ / 8 ? data_[i] : 0; }
  // Bytes i..i+7 big-endian, zeros past the end.
  [[gnu::noinline]] uint64_t Tail(size_t i) const {
    uint64_t v = 0;
    for (size_t k = 0; k < 8; ++k) v = (v << 8) | Byte(i + k);
    return v;
  }

  const uint8_t* data_;
  size_t bits_;
  size_t pos_ = 0;
};

// The XOR state shared by both encodings' decoders.
struct XorWindow {
  int leading = -1;
  int trailing = 0;
};

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(std::string("corrupt series chunk: ") + std::string(what));
}

// Reads an XOR in the previous window (reuse) or with its own (new); applies it to *bits.
absl::Status ReadXor(BitReader& in, bool reuse, XorWindow* w, uint64_t* bits) {
  uint64_t x = 0;
  if (reuse) {
    if (w->leading < 0) return Corrupt("value reuses a window before any was set");
    if (!in.Read(64 - w->leading - w->trailing, &x)) return Corrupt("truncated value");
  } else {
    uint64_t lead = 0, significant = 0;
    if (!in.Read(5, &lead) || !in.Read(6, &significant)) return Corrupt("truncated value");
    if (significant == 0) significant = 64;
    if (lead + significant > 64) return Corrupt("value window beyond 64 bits");
    if (!in.Read(static_cast<int>(significant), &x)) return Corrupt("truncated value");
    w->leading = static_cast<int>(lead);
    w->trailing = static_cast<int>(64 - lead - significant);
  }
  *bits ^= x << w->trailing;
  return absl::OkStatus();
}

// Decodes the samples after the header; `decimal` for the current encoding.
absl::Status DecodeSamples(BitReader& in, size_t count, bool decimal, int64_t mint_ms,
                           int64_t maxt_ms, std::vector<Sample>* out) {
  uint64_t ts = 0, bits = 0, delta = 0;
  XorWindow window;
  ChunkDecimalState state;
  for (size_t i = 0; i < count; ++i) {
    if (i == 0) {
      if (!in.Read(64, &ts) || !in.Read(64, &bits)) return Corrupt("truncated first sample");
      if (decimal) LearnDecimal(std::bit_cast<double>(bits), &state);
    } else {
      int64_t dod = 0;
      if (!in.ReadClassed(kDodClasses, &dod)) return Corrupt("truncated timestamp");
      delta += static_cast<uint64_t>(dod);
      ts += delta;
      int ones = 0;
      if (!in.ReadOnes(decimal ? kXorNewOnes : 2, &ones)) return Corrupt("truncated value");
      if (!decimal) {
        // Legacy: '0' same, '10' reuse, '11' new window.
        if (ones > 0) {
          if (auto st = ReadXor(in, ones == 1, &window, &bits); !st.ok()) return st;
        }
      } else if (ones == kDecimalOnes) {
        int64_t d = 0;
        if (!in.ReadClassed(kDeltaClasses, &d)) return Corrupt("truncated value");
        if (!state.valid) return Corrupt("decimal value without a decimal before it");
        state.mantissa =
            static_cast<int64_t>(static_cast<uint64_t>(state.mantissa) + static_cast<uint64_t>(d));
        bits = std::bit_cast<uint64_t>(static_cast<double>(state.mantissa) / kPow10[state.scale]);
      } else if (ones != kSameValueOnes) {
        if (auto st = ReadXor(in, ones == kXorReuseOnes, &window, &bits); !st.ok()) return st;
        LearnDecimal(std::bit_cast<double>(bits), &state);
      }
    }
    int64_t t = static_cast<int64_t>(ts);
    if (t >= mint_ms && t <= maxt_ms) out->push_back({t, std::bit_cast<double>(bits)});
  }
  return absl::OkStatus();
}

}  // namespace

void ChunkAppender::Grow() {
  // By a quarter rather than double (std::string's growth): an open chunk is held by every
  // active series, so its slack is memory per series.
  std::string grown;
  grown.reserve(bytes_.size() + std::max<size_t>(16, bytes_.size() / 4));
  grown.append(bytes_);
  bytes_.swap(grown);
}

void ChunkAppender::WriteBits(uint64_t value, int n) {
  while (n > 0) {
    if (free_bits_ == 0) {
      if (bytes_.size() == bytes_.capacity()) Grow();
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
    bytes_[0] = kDecimalXorMarker;
    free_bits_ = 0;
    WriteBits(static_cast<uint64_t>(ts_ms), 64);
    WriteBits(bits, 64);
    first_ts_ = last_ts_ = ts_ms;
    last_delta_ = 0;
    LearnDecimal(value, &decimal_);
  } else {
    // Wrapping arithmetic: any two int64 times have a delta-of-delta that decodes back exactly.
    int64_t delta = WrappingSub(ts_ms, last_ts_);
    int64_t dod = WrappingSub(delta, last_delta_);
    const IntClass& c = ClassOf(dod, kDodClasses);
    WriteBits(c.prefix, c.prefix_bits);
    WriteBits(static_cast<uint64_t>(dod) & Mask(c.value_bits), c.value_bits);
    last_delta_ = delta;
    last_ts_ = ts_ms;
    uint64_t x = bits ^ last_bits_;
    if (x == 0) {
      WriteBits(0, 1);
    } else {
      // The cheaper of the decimal difference and the XOR.
      int lead = std::min(std::countl_zero(x), 31);
      int trail = std::countr_zero(x);
      bool reuse = leading_ != 0xff && lead >= leading_ && trail >= trailing_;
      int xor_bits = reuse ? 3 + 64 - leading_ - trailing_ : 3 + 5 + 6 + 64 - lead - trail;
      int64_t m = 0;
      const IntClass* d = nullptr;
      if (decimal_.valid && AtScale(value, decimal_.scale, &m)) {
        d = &ClassOf(WrappingSub(m, decimal_.mantissa), kDeltaClasses);
      }
      if (d && 2 + d->prefix_bits + d->value_bits <= xor_bits) {
        WriteBits(0b10, 2);
        WriteBits(d->prefix, d->prefix_bits);
        WriteBits(static_cast<uint64_t>(WrappingSub(m, decimal_.mantissa)) & Mask(d->value_bits),
                  d->value_bits);
        decimal_.mantissa = m;
      } else {
        if (reuse) {
          WriteBits(0b110, 3);
          WriteBits(x >> trailing_, 64 - leading_ - trailing_);
        } else {
          int significant = 64 - lead - trail;
          WriteBits(0b111, 3);
          WriteBits(static_cast<uint64_t>(lead), 5);
          WriteBits(static_cast<uint64_t>(significant & 63), 6);  // 64 is written as 0.
          WriteBits(x >> trail, significant);
          leading_ = static_cast<uint8_t>(lead);
          trailing_ = static_cast<uint8_t>(trail);
        }
        LearnDecimal(value, &decimal_);
      }
    }
  }
  last_bits_ = bits;
  ++count_;
  bytes_[1] = static_cast<char>(count_ >> 8);
  bytes_[2] = static_cast<char>(count_ & 0xff);
}

absl::Status DecodeChunk(std::string_view chunk, int64_t mint_ms, int64_t maxt_ms,
                         std::vector<Sample>* out) {
  bool decimal = !chunk.empty() && chunk[0] == kDecimalXorMarker;
  size_t header = decimal ? kHeaderBytes : kLegacyHeaderBytes;
  if (chunk.size() < header) return Corrupt("shorter than its header");
  size_t count = (static_cast<size_t>(static_cast<uint8_t>(chunk[header - 2])) << 8) |
                 static_cast<uint8_t>(chunk[header - 1]);
  BitReader in(chunk.substr(header));
  return DecodeSamples(in, count, decimal, mint_ms, maxt_ms, out);
}

}  // namespace vigie::store
