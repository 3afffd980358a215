// A TCP socket whose synchronous reads and writes fail with asio::error::timed_out at a
// deadline. Asio's blocking operations have no timeout (SO_RCVTIMEO is defeated by Asio's own
// poll loop), and Beast's timeouts need asynchronous code; the server runs a thread per
// connection with synchronous Beast calls, so the socket is non-blocking underneath and every
// operation waits with poll() until the deadline.
//
// It models Asio's SyncReadStream and SyncWriteStream, so Beast's HTTP and WebSocket functions
// and asio::ssl::stream take it as the next layer, and AsyncReadStream and AsyncWriteStream
// (without deadlines) for the WebSocket phase of a connection.
//
// Thread safety: one thread uses it. Shutdown() from another thread (the fd is stable) wakes a
// blocked operation.
#pragma once

#include <chrono>
#include <cstddef>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

namespace vigie::server::http {

class TimedSocket {
 public:
  using Clock = std::chrono::steady_clock;
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = boost::asio::ip::tcp::socket::lowest_layer_type;

  explicit TimedSocket(boost::asio::ip::tcp::socket socket);

  // Operations started after this call fail once `timeout` has passed.
  void expires_after(std::chrono::milliseconds timeout) { deadline_ = Clock::now() + timeout; }

  // True when bytes, or the end of the stream, can be read now.
  bool readable();
  // True once the peer has closed the connection or its sending side, or the socket has failed
  // (even with unread bytes left, such as a TLS close_notify). Does not block.
  bool peer_closed();

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    for (;;) {
      size_t n = socket_.read_some(buffers, ec);
      if (ec != boost::asio::error::would_block || !Wait(kRead, ec)) return n;
    }
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    for (;;) {
      size_t n = socket_.write_some(buffers, ec);
      if (ec != boost::asio::error::would_block || !Wait(kWrite, ec)) return n;
    }
  }
  // The throwing forms complete the stream concepts; vigie's code calls the ones above.
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Asynchronous forms, without deadlines, for the WebSocket phase of a connection (see
  // connection.h): they run on the socket's io_context, driven by the connection's thread.
  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return socket_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }
  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return socket_.async_write_some(buffers, std::forward<WriteHandler>(handler));
  }

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  enum Direction { kRead, kWrite };
  // Waits until the socket is ready for `direction`; false (with ec set) at the deadline.
  bool Wait(Direction direction, boost::system::error_code& ec);

  boost::asio::ip::tcp::socket socket_;
  Clock::time_point deadline_ = Clock::time_point::max();
};

// Beast's customization points for this stream type, found by argument-dependent lookup. They
// shut the connection down in both directions but leave the descriptor open: its owner closes
// it (the server must know when a descriptor number can be reused).
void teardown(boost::beast::role_type role, TimedSocket& socket, boost::system::error_code& ec);
void beast_close_socket(TimedSocket& socket);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, TimedSocket& socket, TeardownHandler&& handler) {
  boost::system::error_code ec;
  teardown(role, socket, ec);
  boost::asio::post(socket.get_executor(),
                    boost::beast::bind_front_handler(std::forward<TeardownHandler>(handler), ec));
}

}  // namespace vigie::server::http
