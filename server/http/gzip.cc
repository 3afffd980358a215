#include "server/http/gzip.h"

#include <boost/beast/zlib/inflate_stream.hpp>
#include <boost/crc.hpp>
#include <vector>

#include "common/strings.h"

namespace vigie::server::http {

namespace {

namespace zlib = boost::beast::zlib;

constexpr uint8_t kFlagHeaderCrc = 2, kFlagExtra = 4, kFlagName = 8, kFlagComment = 16;

absl::Status Corrupt(std::string_view what) {
  return absl::InvalidArgumentError(StrCat("the gzip body is corrupt: ", what));
}

uint32_t ReadLe32(std::string_view bytes) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(bytes[i]);
  return v;
}

// The offset of the compressed data after the member header; 0 when the header is malformed.
size_t SkipHeader(std::string_view data) {
  if (data.size() < 10 || static_cast<uint8_t>(data[0]) != 0x1f ||
      static_cast<uint8_t>(data[1]) != 0x8b || data[2] != 8) {
    return 0;
  }
  uint8_t flags = static_cast<uint8_t>(data[3]);
  size_t pos = 10;
  if (flags & kFlagExtra) {
    if (data.size() < pos + 2) return 0;
    pos += 2 + (static_cast<uint8_t>(data[pos]) | static_cast<uint8_t>(data[pos + 1]) << 8);
  }
  for (uint8_t flag : {kFlagName, kFlagComment}) {
    if (!(flags & flag)) continue;
    size_t nul = data.find('\0', pos);
    if (nul == std::string_view::npos) return 0;
    pos = nul + 1;
  }
  if (flags & kFlagHeaderCrc) pos += 2;
  return pos <= data.size() ? pos : 0;
}

}  // namespace

absl::StatusOr<std::string> Gunzip(std::string_view data, const InflateLimits& limits) {
  size_t start = SkipHeader(data);
  if (start == 0) {
    return absl::InvalidArgumentError("the body is not gzip (Content-Encoding: gzip)");
  }
  size_t max_bytes = limits.max_bytes;
  if (limits.max_ratio > 0 && data.size() <= SIZE_MAX / limits.max_ratio) {
    max_bytes = std::min(max_bytes,
                         std::max(InflateLimits::kRatioFloorBytes, data.size() * limits.max_ratio));
  }
  auto too_large = [&] {
    return absl::OutOfRangeError(
        StrCat("the gzip body of ", data.size(), " bytes decompresses to more than ", max_bytes,
               " bytes, above the limit (the body limit, and --max-decompression-ratio times the "
               "compressed size): send smaller batches"));
  };
  // The trailer's length (modulo 2^32) sizes the buffer when it is plausible; a body that
  // declares more than the limit is refused at once. It can lie: the limit is enforced below too.
  uint32_t declared = data.size() >= start + 8 ? ReadLe32(data.substr(data.size() - 4)) : 0;
  if (declared > max_bytes) return too_large();
  auto busy = [] {
    return absl::ResourceExhaustedError("the server's in-flight request budget is full");
  };
  auto reserve = [&](size_t n) { return !limits.reserve || limits.reserve(n); };
  // The output goes into chunks, so that no buffer is copied while it grows (which would hold
  // the old and the new one at once): the first sized by the trailer's length, right for an
  // honest body, the next ones kChunkBytes each, each reserved before it is allocated. One byte
  // beyond the limit tells a body of exactly max_bytes from a larger one.
  constexpr size_t kChunkBytes = 1 << 20;
  std::vector<std::string> chunks;
  size_t produced = 0;
  zlib::inflate_stream inflater;
  zlib::z_params zs;
  zs.next_in = data.data() + start;
  zs.avail_in = data.size() - start;
  boost::system::error_code ec;
  for (;;) {
    if (chunks.empty() || zs.avail_out == 0) {
      if (produced == max_bytes + 1) return too_large();
      size_t size = chunks.empty() ? std::max<size_t>(declared + 1, 64 * 1024) : kChunkBytes;
      size = std::min(size, max_bytes + 1 - produced);
      if (!reserve(size)) return busy();
      std::string& chunk = chunks.emplace_back(size, '\0');
      zs.next_out = chunk.data();
      zs.avail_out = size;
    }
    size_t room = zs.avail_out;
    inflater.write(zs, zlib::Flush::none, ec);
    produced += room - zs.avail_out;
    if (ec == zlib::error::end_of_stream) break;
    if (ec == zlib::error::need_buffers && zs.avail_out > 0) return Corrupt("it is truncated");
    if (ec && ec != zlib::error::need_buffers) return Corrupt(ec.message());
  }
  if (produced > max_bytes) return too_large();
  chunks.back().resize(chunks.back().size() - zs.avail_out);
  std::string out;
  if (chunks.size() == 1) {
    out = std::move(chunks.front());
  } else {
    if (!reserve(produced)) return busy();
    out.reserve(produced);
    for (std::string& chunk : chunks) {
      out += chunk;
      std::string().swap(chunk);
    }
  }
  std::string_view trailer = data.substr(data.size() - zs.avail_in);
  if (trailer.size() < 8) return Corrupt("the CRC-32 and length trailer is missing");
  boost::crc_32_type crc;
  crc.process_bytes(out.data(), out.size());
  if (ReadLe32(trailer) != crc.checksum() ||
      ReadLe32(trailer.substr(4)) != static_cast<uint32_t>(out.size())) {
    return Corrupt("the CRC-32 or length does not match the data");
  }
  return out;
}

}  // namespace vigie::server::http
