#include "server/http/timed_socket.h"

#include <poll.h>

#include <cerrno>

namespace vigie::server::http {

TimedSocket::TimedSocket(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
}

bool TimedSocket::readable() {
  pollfd p{socket_.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

bool TimedSocket::peer_closed() {
  pollfd p{socket_.native_handle(), POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

bool TimedSocket::Wait(Direction direction, boost::system::error_code& ec) {
  pollfd p{socket_.native_handle(), static_cast<short>(direction == kRead ? POLLIN : POLLOUT), 0};
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) {
      ec = boost::asio::error::timed_out;
      return false;
    }
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (n > 0) {
      ec = {};
      return true;  // Ready, or an error / hang-up that the next call reports.
    }
    if (n < 0 && errno != EINTR) {
      ec.assign(errno, boost::system::system_category());
      return false;
    }
  }
}

void teardown(boost::beast::role_type, TimedSocket& socket, boost::system::error_code& ec) {
  socket.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
}

void beast_close_socket(TimedSocket& socket) {
  boost::system::error_code ec;
  socket.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace vigie::server::http
