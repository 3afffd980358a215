#include "server/http/timed_socket.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <thread>

namespace vigie::server::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A connected pair over loopback: the server side wrapped as vigied wraps it.
struct Connection {
  asio::io_context io;
  tcp::socket client{io};
  std::unique_ptr<TimedSocket> server;

  Connection() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server = std::make_unique<TimedSocket>(acceptor.accept());
  }
};

// Polls `condition` for up to a second (a FIN takes a moment to arrive even on loopback).
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 100; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(TimedSocketTest, PeerClosedOnlyOnceTheClientHasGoneEvenWithBytesUnread) {
  Connection c;
  EXPECT_FALSE(c.server->peer_closed());
  // The next pipelined request, or a TLS close_notify, waiting unread: the client is still there.
  asio::write(c.client, asio::buffer(std::string("GET / HTTP/1.1\r\n")));
  ASSERT_TRUE(Eventually([&] { return c.server->readable(); }));
  EXPECT_FALSE(c.server->peer_closed());
  c.client.close();
  EXPECT_TRUE(Eventually([&] { return c.server->peer_closed(); }));
}

TEST(TimedSocketTest, PeerClosedWhenTheClientShutsDownItsSendingSide) {
  Connection c;
  c.client.shutdown(tcp::socket::shutdown_send);
  EXPECT_TRUE(Eventually([&] { return c.server->peer_closed(); }));
}

}  // namespace
}  // namespace vigie::server::http
