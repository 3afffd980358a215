// Fuzzes syslog TCP framing: whatever the bytes and however they are cut into reads, the
// framer yields the same messages, none empty, none over the cap.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "collector/inputs/syslog_framing.h"

namespace {

std::vector<std::string> Frame(std::string_view data, size_t cap, size_t chunk) {
  std::vector<std::string> out;
  vigie::collector::SyslogFramer framer(cap);
  auto emit = [&](std::string_view message, bool) {
    if (message.empty() || message.size() > cap) abort();
    out.emplace_back(message);
  };
  while (!data.empty()) {
    size_t n = std::min(chunk, data.size());
    framer.Feed(data.substr(0, n), emit);
    data.remove_prefix(n);
  }
  framer.Finish(emit);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first two bytes choose the cap and the read size; the rest is the stream.
  size_t cap = 64 + data[0] * 4;
  size_t chunk = 1 + data[1] % 17;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (Frame(stream, cap, stream.size() + 1) != Frame(stream, cap, chunk)) abort();
  return 0;
}
