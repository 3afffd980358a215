// Listening addresses ("127.0.0.1:5514", "[::1]:9471", "udp://0.0.0.0:514") and sockets bound
// to them.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::collector {

struct ListenAddress {
  std::string scheme;  // "udp", "tcp", or "" when the text had none.
  std::string host;    // Without brackets.
  uint16_t port = 0;   // 0: any free port.
};

// Parses "[scheme://]host:port"; IPv6 hosts in brackets.
absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text);

// A socket of `type` (SOCK_DGRAM or SOCK_STREAM, listening) bound to `address`, non-blocking
// and close-on-exec. `*bound` receives the address actually bound ("host:port"), which tells
// the port picked for port 0.
absl::StatusOr<int> BindSocket(const ListenAddress& address, int type, std::string* bound);

// The host part of a peer's address, or "" for a loopback peer (a local sender).
std::string PeerHost(const void* sockaddr, uint32_t length);

}  // namespace vigie::collector
