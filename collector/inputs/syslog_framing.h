// Splits a syslog TCP stream into messages (RFC 6587). The framing is recognised per
// connection from its first byte: a digit means octet counting ("<length> <message>", as
// rsyslog's omfwd with TCP_Framing="octet-counted" and `logger --octet-count` send), anything
// else non-transparent framing (one message per line). Octet counting that turns out broken (a
// length that is not a number) falls back to lines for the rest of the connection, so that no
// byte is silently lost. Messages longer than the cap are cut and marked like long lines.
//
// Thread safety: none; one framer per connection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/line_splitter.h"

namespace vigie::collector {

class SyslogFramer {
 public:
  using Emit = std::function<void(std::string_view message, bool truncated)>;

  explicit SyslogFramer(size_t max_message_bytes)
      : max_bytes_(max_message_bytes), lines_(max_message_bytes, 0) {}

  // Feeds the next bytes of the connection.
  void Feed(std::string_view data, const Emit& emit);
  // The connection ended: hands on a last message cut short, if any.
  void Finish(const Emit& emit);

 private:
  enum class Mode { kUnknown, kOctetCounting, kLines };

  void FeedOctets(std::string_view* data, const Emit& emit);
  void FeedLines(std::string_view data, const Emit& emit);
  void EmitFrame(const Emit& emit);

  const size_t max_bytes_;
  Mode mode_ = Mode::kUnknown;
  LineSplitter lines_;
  // Octet counting state.
  std::string header_;  // Digits of the length read so far.
  bool in_body_ = false;
  uint64_t body_left_ = 0;
  std::string frame_;  // The body's first bytes, up to the cap.
  uint64_t frame_total_ = 0;
};

}  // namespace vigie::collector
