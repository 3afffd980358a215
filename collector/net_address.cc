#include "collector/net_address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "collector/durable_file.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

// "host:port" (bracketed for IPv6) of a socket address.
std::string SocketAddressText(const void* sockaddr, uint32_t length) {
  char host[NI_MAXHOST], port[NI_MAXSERV];
  if (getnameinfo(static_cast<const struct sockaddr*>(sockaddr), length, host, sizeof(host), port,
                  sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  std::string_view h = host;
  return h.find(':') != std::string_view::npos ? StrCat("[", h, "]:", port) : StrCat(h, ":", port);
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  std::string_view rest = text;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    out.scheme = std::string(rest.substr(0, scheme));
    rest.remove_prefix(scheme + 3);
  }
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        StrCat("address \"", text, "\": expected host:port, e.g. 127.0.0.1:5514"));
  }
  std::string_view host = rest.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  out.host = std::string(host);
  if (!ParseNumber(rest.substr(colon + 1), &out.port)) {
    return absl::InvalidArgumentError(StrCat("address \"", text, "\": bad port"));
  }
  return out;
}

std::string PeerHost(const void* sockaddr, uint32_t length) {
  auto* sa = static_cast<const struct sockaddr*>(sockaddr);
  if (sa->sa_family == AF_INET) {
    auto* in = static_cast<const sockaddr_in*>(sockaddr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) return "";
  } else if (sa->sa_family == AF_INET6) {
    auto* in6 = static_cast<const sockaddr_in6*>(sockaddr);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return "";
  }
  char host[NI_MAXHOST];
  if (getnameinfo(sa, length, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) != 0) return "";
  return host;
}

absl::StatusOr<int> BindSocket(const ListenAddress& address, int type, std::string* bound) {
  addrinfo hints = {};
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = StrCat(address.port);
  int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    return absl::InvalidArgumentError(StrCat("address ", address.host, ": ", gai_strerror(rc)));
  }
  std::string where = StrCat(address.host, ":", address.port);
  int fd = socket(found->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(found);
    return ErrnoStatus(StrCat("socket for ", where), errno);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  bool ok = bind(fd, found->ai_addr, found->ai_addrlen) == 0 &&
            (type != SOCK_STREAM || listen(fd, 128) == 0);
  int err = errno;
  freeaddrinfo(found);
  if (!ok) {
    close(fd);
    return ErrnoStatus(StrCat("listen on ", where), err);
  }
  sockaddr_storage local;
  socklen_t length = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  *bound = SocketAddressText(&local, length);
  return fd;
}

}  // namespace vigie::collector
