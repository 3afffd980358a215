// Parses one syslog message (framing already removed): RFC 5424, or RFC 3164 read leniently,
// as real senders write it (timestamp or hostname missing, an RFC 3339 timestamp instead of
// "Mmm dd hh:mm:ss", no tag).
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigie::collector {

struct SyslogMessage {
  int facility = 0;  // 0..23
  int severity = 0;  // 0..7
  bool rfc5424 = false;
  int64_t ts_ns = 0;  // 0: the message has no (usable) timestamp.
  // Views into the parsed text; empty when absent (RFC 5424's "-" included).
  std::string_view hostname, app_name, procid, msgid;
  std::string_view structured_data;  // RFC 5424 SD elements, verbatim: "[id k=\"v\"]...".
  std::string_view msg;              // The free text, without a leading UTF-8 BOM.
};

// nullopt when `raw` does not begin with a valid <PRI>, or announces RFC 5424 ("<PRI>1 ") and
// then breaks its grammar. `now_ns` dates RFC 3164 timestamps, which carry no year.
std::optional<SyslogMessage> ParseSyslog(std::string_view raw, int64_t now_ns);

// "kern", "user", ... "local7"; "" outside 0..23.
std::string_view FacilityName(int facility);
// "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"; "" outside 0..7.
std::string_view SeverityName(int severity);

}  // namespace vigie::collector
