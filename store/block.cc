#include "store/block.h"

#include <zstd.h>

#include <cstring>
#include <memory>

#include "common/strings.h"
#include "common/varint.h"
#include "xxhash.h"

namespace vigie::store {

namespace {
// Version 2 carries an XXH3 of the zstd frame; version 1 relied on the frame's own checksum.
constexpr uint8_t kBlockVersion = 2, kChecksummedFrameVersion = 1;
// A decoded block never exceeds this; it bounds allocation when the header is corrupt.
constexpr uint64_t kMaxDecodedBytes = 256ull << 20;
}  // namespace

std::string EncodeBlock(std::span<const LogEntry> entries, int level) {
  std::string raw;
  uint64_t line_bytes = 0;
  for (const LogEntry& e : entries) line_bytes += e.line.size();
  raw.reserve(line_bytes + entries.size() * 6);
  int64_t prev = 0;
  for (const LogEntry& e : entries) {
    // Wrapping, as the decoder adds: any two times have a delta (block_decode_fuzz re-encodes
    // the times that a damaged block decodes to).
    PutVarint(&raw, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(e.ts_ns) -
                                                static_cast<uint64_t>(prev))));
    prev = e.ts_ns;
  }
  for (const LogEntry& e : entries) PutVarint(&raw, e.line.size());
  for (const LogEntry& e : entries) raw += e.line;

  std::string out;
  out.push_back(static_cast<char>(kBlockVersion));
  PutVarint(&out, entries.size());
  PutVarint(&out, raw.size());
  const size_t hash_at = out.size(), header = hash_at + 8;
  out.resize(header + ZSTD_compressBound(raw.size()));
  // One context per thread: creating one per block costs its tables' allocation and set-up.
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(),
                                                                       ZSTD_freeCCtx);
  ZSTD_CCtx_reset(cctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  size_t n =
      ZSTD_compress2(cctx.get(), out.data() + header, out.size() - header, raw.data(), raw.size());
  // Compressing into a buffer of compressBound size cannot fail.
  out.resize(header + n);
  std::string hash;
  PutBigEndian64(&hash, XXH3_64bits(out.data() + header, n));
  memcpy(out.data() + hash_at, hash.data(), hash.size());
  return out;
}

absl::Status DecodeBlock(std::string_view in, DecodedBlock* out) {
  auto corrupt = [](std::string_view what) {
    return absl::DataLossError(StrCat("corrupt log block: ", what));
  };
  const uint8_t version = in.empty() ? 0 : static_cast<uint8_t>(in[0]);
  if (version != kBlockVersion && version != kChecksummedFrameVersion) {
    return corrupt("unknown version");
  }
  in.remove_prefix(1);
  uint64_t count, raw_size;
  if (!GetVarint(&in, &count) || !GetVarint(&in, &raw_size)) return corrupt("truncated header");
  if (version == kBlockVersion) {
    if (in.size() < 8) return corrupt("truncated header");
    const uint64_t hash = GetBigEndian64(in.data());
    in.remove_prefix(8);
    if (XXH3_64bits(in.data(), in.size()) != hash) return corrupt("checksum mismatch");
  }
  // Each entry takes at least two bytes (a timestamp delta and a length); dividing, not
  // multiplying, so that a huge count cannot wrap around.
  if (raw_size > kMaxDecodedBytes || count > raw_size / 2) return corrupt("implausible sizes");
  // The frame header states its content size; checking it first bounds the allocation below.
  if (ZSTD_getFrameContentSize(in.data(), in.size()) != raw_size) return corrupt("size mismatch");
  if (out->raw_capacity_ < raw_size || !out->raw_) {
    // With room to spare: blocks differ a little in size, and a buffer that fits this one only
    // would be replaced at the next larger one (mapped, faulted in page by page, unmapped: a
    // twentieth of a regex scan's CPU went to those faults).
    const size_t capacity = raw_size + raw_size / 4;
    out->raw_.reset(new char[capacity]);
    out->raw_capacity_ = capacity;
  }
  out->raw_size_ = raw_size;
  // One context per thread: ZSTD_decompress would allocate and set up one per block. It checks
  // the content checksum of a version 1 frame.
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(),
                                                                       ZSTD_freeDCtx);
  size_t got = ZSTD_decompressDCtx(dctx.get(), out->raw_.get(), raw_size, in.data(), in.size());
  if (ZSTD_isError(got)) return corrupt(ZSTD_getErrorName(got));
  if (got != raw_size) return corrupt("size mismatch");

  const std::string_view raw(out->raw_.get(), raw_size);
  std::string_view cur(raw);
  out->ts_.resize(count);
  out->offsets_.resize(count + 1);
  int64_t ts = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta;
    if (!GetVarint(&cur, &delta)) return corrupt("truncated timestamps");
    // Wrapping, not overflowing, on a corrupt delta: the result is garbage, not undefined.
    ts = static_cast<int64_t>(static_cast<uint64_t>(ts) + static_cast<uint64_t>(UnZigZag(delta)));
    out->ts_[i] = ts;
  }
  uint64_t offset = 0;
  out->offsets_[0] = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!GetVarint(&cur, &len)) return corrupt("truncated lengths");
    offset += len;
    if (offset > cur.size()) return corrupt("line lengths exceed the block");
    out->offsets_[i + 1] = static_cast<uint32_t>(offset);
  }
  if (offset != cur.size()) return corrupt("trailing bytes");
  out->lines_begin_ = raw.size() - cur.size();
  return absl::OkStatus();
}

}  // namespace vigie::store
