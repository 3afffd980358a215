// Fuzzes the syslog parser (RFC 5424, lenient RFC 3164, timestamps): no crash, no read outside
// the input, fields within their ranges.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collector/inputs/syslog_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto m = vigie::collector::ParseSyslog(raw, 1714564800LL * 1'000'000'000);
  if (!m) return 0;
  if (m->facility < 0 || m->facility > 23 || m->severity < 0 || m->severity > 7) abort();
  for (std::string_view field :
       {m->hostname, m->app_name, m->procid, m->msgid, m->structured_data, m->msg}) {
    if (field.empty()) continue;
    if (field.data() < raw.data() || field.data() + field.size() > raw.data() + raw.size()) {
      abort();
    }
  }
  return 0;
}
