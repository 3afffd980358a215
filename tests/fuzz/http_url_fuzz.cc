// Fuzzes the CLI's URL splitting (cli/http_url.h): no crash, and what it accepts has a host, a
// port and a target that starts with '/', each taken from the input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/http_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = vigie::cli::ParseHttpUrl(text);
  if (!url) return 0;
  if (url->host.empty() || url->port.empty() || url->target.empty() || url->target[0] != '/') {
    abort();
  }
  if (text.find(url->host) == std::string_view::npos) abort();
  return 0;
}
