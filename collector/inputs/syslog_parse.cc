#include "collector/inputs/syslog_parse.h"

#include "collector/inputs/syslog_time.h"

namespace vigie::collector {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool ParsePri(std::string_view* in, int* pri) {
  std::string_view s = *in;
  if (s.size() < 3 || s[0] != '<') return false;
  size_t pos = 1;
  int value = 0;
  while (pos < s.size() && pos <= 3 && s[pos] >= '0' && s[pos] <= '9') {
    value = value * 10 + (s[pos++] - '0');
  }
  if (pos == 1 || pos >= s.size() || s[pos] != '>' || value > 191) return false;
  *pri = value;
  in->remove_prefix(pos + 1);
  return true;
}

// The next space-delimited token of an RFC 5424 header, consuming the space after it.
bool Token(std::string_view* in, std::string_view* out) {
  size_t end = in->find(' ');
  if (end == 0 || end == std::string_view::npos) return false;
  *out = in->substr(0, end);
  if (*out == "-") *out = {};
  in->remove_prefix(end + 1);
  return true;
}

// STRUCTURED-DATA: "-" or one or more [SD-ID *(SP PARAM="VALUE")], values with \" \\ \] escapes.
bool StructuredData(std::string_view* in, std::string_view* out) {
  std::string_view s = *in;
  if (s.starts_with('-')) {
    *out = {};
    in->remove_prefix(1);
    return true;
  }
  size_t pos = 0;
  while (pos < s.size() && s[pos] == '[') {
    bool quoted = false;
    for (++pos; pos < s.size(); ++pos) {
      char c = s[pos];
      if (quoted && c == '\\') {
        ++pos;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ']' && !quoted) {
        break;
      }
    }
    if (pos >= s.size()) return false;
    ++pos;
  }
  if (pos == 0) return false;
  *out = s.substr(0, pos);
  in->remove_prefix(pos);
  return true;
}

std::string_view StripBom(std::string_view msg) {
  if (msg.starts_with(kBom)) msg.remove_prefix(kBom.size());
  return msg;
}

std::optional<SyslogMessage> Parse5424(std::string_view rest, SyslogMessage m) {
  m.rfc5424 = true;
  if (rest.starts_with("- ")) {
    rest.remove_prefix(2);
  } else if (!ParseRfc3339(&rest, &m.ts_ns) || !rest.starts_with(' ')) {
    return std::nullopt;
  } else {
    rest.remove_prefix(1);
  }
  if (!Token(&rest, &m.hostname) || !Token(&rest, &m.app_name) || !Token(&rest, &m.procid) ||
      !Token(&rest, &m.msgid) || !StructuredData(&rest, &m.structured_data)) {
    return std::nullopt;
  }
  if (!rest.empty() && !rest.starts_with(' ')) return std::nullopt;
  if (!rest.empty()) rest.remove_prefix(1);
  m.msg = StripBom(rest);
  return m;
}

// RFC 3164's TAG: "app:", "app[pid]:" at the front of the content. Sets app and procid and
// consumes it with one following space; false when the content does not start with a tag.
bool Tag(std::string_view* in, SyslogMessage* m) {
  std::string_view s = *in;
  size_t end = s.find_first_of(" :[");
  if (end == 0 || end == std::string_view::npos || end > 48) return false;
  std::string_view app = s.substr(0, end), pid;
  size_t pos = end;
  if (s[pos] == '[') {
    size_t close = s.find(']', pos);
    if (close == std::string_view::npos || close > pos + 129) return false;
    pid = s.substr(pos + 1, close - pos - 1);
    pos = close + 1;
  }
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (pos < s.size() && s[pos] == ' ') ++pos;
  m->app_name = app;
  m->procid = pid;
  in->remove_prefix(pos);
  return true;
}

SyslogMessage Parse3164(std::string_view rest, int64_t now_ns, SyslogMessage m) {
  bool dated = ParseRfc3164Time(&rest, now_ns, &m.ts_ns) || ParseRfc3339(&rest, &m.ts_ns);
  if (dated) {
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    // HOSTNAME follows the timestamp, unless the sender left it out and the tag comes next.
    size_t end = rest.find(' ');
    std::string_view word = rest.substr(0, end);
    if (end != std::string_view::npos && !word.empty() && word.size() <= 255 &&
        !word.ends_with(':') && word.find('[') == std::string_view::npos) {
      m.hostname = word;
      rest.remove_prefix(end + 1);
    }
  }
  Tag(&rest, &m);
  m.msg = StripBom(rest);
  return m;
}

}  // namespace

std::optional<SyslogMessage> ParseSyslog(std::string_view raw, int64_t now_ns) {
  int pri;
  if (!ParsePri(&raw, &pri)) return std::nullopt;
  SyslogMessage m;
  m.facility = pri / 8;
  m.severity = pri % 8;
  // RFC 5424 puts VERSION (1) right after PRI; RFC 3164 a timestamp or the content.
  if (raw.starts_with("1 ")) return Parse5424(raw.substr(2), m);
  return Parse3164(raw, now_ns, m);
}

std::string_view FacilityName(int facility) {
  static constexpr std::string_view kNames[] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
      "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
  return facility >= 0 && facility < 24 ? kNames[facility] : std::string_view();
}

std::string_view SeverityName(int severity) {
  static constexpr std::string_view kNames[] = {"emerg",   "alert",  "crit", "err",
                                                "warning", "notice", "info", "debug"};
  return severity >= 0 && severity < 8 ? kNames[severity] : std::string_view();
}

}  // namespace vigie::collector
