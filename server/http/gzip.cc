#include "server/http/gzip.h"

#include <boost/beast/zlib/inflate_stream.hpp>
#include <boost/crc.hpp>

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

absl::StatusOr<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  size_t start = SkipHeader(data);
  if (start == 0)
    return absl::InvalidArgumentError("the body is not gzip (Content-Encoding: gzip)");
  std::string out;
  zlib::inflate_stream inflater;
  zlib::z_params zs;
  zs.next_in = data.data() + start;
  zs.avail_in = data.size() - start;
  boost::system::error_code ec;
  for (;;) {
    size_t produced = out.size();
    if (produced == max_bytes + 1) break;
    out.resize(std::min(max_bytes + 1, std::max<size_t>(produced * 2, 64 * 1024)));
    zs.next_out = out.data() + produced;
    zs.avail_out = out.size() - produced;
    inflater.write(zs, zlib::Flush::none, ec);
    out.resize(out.size() - zs.avail_out);
    if (ec == zlib::error::end_of_stream) break;
    if (ec == zlib::error::need_buffers && zs.avail_out > 0) return Corrupt("it is truncated");
    if (ec && ec != zlib::error::need_buffers) return Corrupt(ec.message());
  }
  if (out.size() > max_bytes) {
    return absl::InvalidArgumentError(StrCat("the gzip body decompresses to more than ", max_bytes,
                                             " bytes: send smaller batches"));
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
