// A small synchronous HTTP and WebSocket client for the tests, on Beast, with deadlines (it uses
// the server's TimedSocket so that a broken server fails a test instead of hanging it).
//
// Not thread-safe; one thread per client object.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "server/http/timed_socket.h"

namespace vigie::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  unsigned status = 0;  // 0 when the request failed; `error` says why.
  std::string body;
  std::string content_type;
  std::string connection;  // The Connection header.
  Headers headers;         // Every header, in order.
  std::string error;

  // The value of header `name` (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
};

// Percent-encodes every byte outside [A-Za-z0-9-_.~].
std::string UrlEncode(std::string_view text);
// "a=1&b=x%20y" from pairs.
std::string QueryString(const Headers& params);

// One HTTP/1.1 connection (plain, or TLS without certificate verification) that can carry
// several requests.
class HttpConnection {
 public:
  HttpConnection(const std::string& address, bool tls = false);
  ~HttpConnection();
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }

  HttpReply Request(std::string_view method, std::string_view target, std::string body = "",
                    const Headers& headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Sends raw bytes and returns what the server answered until it closed (or the timeout).
  std::string RawExchange(std::string_view bytes, std::chrono::milliseconds timeout);

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_context_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<server::http::TimedSocket> socket_;
  std::unique_ptr<boost::asio::ssl::stream<server::http::TimedSocket&>> tls_;
  bool connected_ = false;
  std::string error_;
};

// A request on a new connection.
HttpReply HttpCall(const std::string& address, std::string_view method, std::string_view target,
                   std::string body = "", const Headers& headers = {});

// A WebSocket client of /loki/api/v1/tail.
class TailClient {
 public:
  TailClient(const std::string& address, const std::string& target, const Headers& headers = {});
  ~TailClient();
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  // The next text frame; nullopt after `timeout` (the connection is then unusable) or when the
  // server closed the connection (closed() is then true).
  std::optional<std::string> Read(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }
  // Sends a ping (the pong is consumed by the next Read()).
  bool Ping();
  // Closes the connection (close handshake).
  void Close();

 private:
  boost::asio::io_context io_;
  std::unique_ptr<server::http::TimedSocket> socket_;
  std::unique_ptr<boost::beast::websocket::stream<server::http::TimedSocket&>> ws_;
  bool connected_ = false;
  bool closed_ = false;
  std::string error_;
};

}  // namespace vigie::testing
