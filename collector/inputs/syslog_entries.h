// Turns received syslog messages into entries:
// - labels: `host` (the message's HOSTNAME; else the sender's address when it is not local;
//   else the collector's host), `app` (APP-NAME, or the RFC 3164 tag), `facility` and
//   `severity` (by name: "daemon", "err"...), plus the input's labels, which win over these.
//   PROCID, MSGID and the
//   structured data are not labels: their values are unbounded and would create a stream per
//   process or per request;
// - the line: the RFC 5424 structured data verbatim, when present, then a space and the
//   message text, so that nothing the sender structured is lost and it can be searched;
// - the time: the message's timestamp when it has one, else the time it was received; a
//   message stamped no later than the previous one of its stream, by less than a second (RFC
//   3164 stamps have whole seconds, others microseconds), gets that one's time + 1 ns, so that
//   a stream reads in the order its messages arrived;
// - a message that does not parse is kept whole, received now, with parse_error="true".
//
// Thread safety: none; used by the syslog input's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/entry_sink.h"
#include "collector/metrics.h"
#include "common/labels.h"

namespace vigie::collector {

class SyslogEntries {
 public:
  // `sink` must outlive this object.
  SyslogEntries(std::vector<Label> labels, std::string default_host, EntrySink* sink,
                Metrics::Input counters);

  // One message, framing removed. `peer_host` is the sender's address, "" when local.
  void Handle(std::string_view raw, bool truncated, std::string_view peer_host,
              int64_t received_ns);

 private:
  struct CachedStream {
    StreamRef stream;
    int64_t last_ts = 0;
  };
  CachedStream& Stream(std::string_view host, std::string_view app, int facility, int severity,
                       bool parse_error);
  void Emit(CachedStream& stream, int64_t ts_ns, std::string_view line);

  const std::vector<Label> labels_;
  const std::string default_host_;
  EntrySink* const sink_;
  Metrics::Input counters_;
  // Streams by their varying labels. Bounded: a sender inventing app names cannot grow it
  // without limit (it is cleared when full; vigied bounds streams per agent anyway).
  std::unordered_map<std::string, CachedStream> streams_;
  std::string line_;
};

}  // namespace vigie::collector
