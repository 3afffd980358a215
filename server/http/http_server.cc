// BindHttpServer (server/http_server.h): the acceptor thread, a thread per connection, TLS, and
// Stop().
#include "server/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "common/strings.h"
#include "server/http/connection.h"
#include "server/http/router.h"
#include "server/http/timed_socket.h"

namespace vigie::server {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using http::TimedSocket;

// Connections served at once; more are answered 503 (plain HTTP) or closed (TLS) at once.
constexpr size_t kMaxConnections = 512;
// After the response, how long and how much of the client's unread request is drained so that
// closing the socket does not reset the connection before the client has read the response.
constexpr std::chrono::milliseconds kDrainTimeout(500);
constexpr size_t kDrainBytes = 1 << 20;

absl::StatusOr<tcp::endpoint> ResolveListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat("HTTP listen address \"", listen, "\" is not host:port (127.0.0.1:9470)"));
  }
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, port, tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(
        StrCat("cannot resolve HTTP listen address \"", listen, "\": ", ec.message()));
  }
  return results.begin()->endpoint();
}

absl::StatusOr<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const TlsConfig& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1,
                   ec);
  ctx->use_certificate_chain_file(tls.cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("cannot load the TLS certificate \"", tls.cert_file, "\": ", ec.message()));
  }
  if (tls.key_file.empty()) {
    return absl::InvalidArgumentError("TLS is configured with a certificate but no key file");
  }
  ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("cannot load the TLS key \"", tls.key_file, "\": ", ec.message()));
  }
  return ctx;
}

// Reads and discards what the client still sends, briefly, after our last response.
void Drain(TimedSocket& socket) {
  socket.expires_after(kDrainTimeout);
  char buf[16384];
  size_t total = 0;
  boost::system::error_code ec;
  while (!ec && total < kDrainBytes) total += socket.read_some(asio::buffer(buf), ec);
}

class Server final : public HttpServer {
 public:
  explicit Server(std::unique_ptr<asio::ssl::context> tls) : tls_(std::move(tls)), acceptor_(io_) {}
  ~Server() override { Stop(); }

  absl::Status Listen(const std::string& listen);
  void Serve(HttpDeps deps) override {
    router_.emplace(std::move(deps));
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  int port() const override { return port_; }
  void Stop() override;

 private:
  struct Connection {
    // The connection's own: its WebSocket phase runs asynchronous operations on it, from the
    // connection's thread only. Outlives the socket.
    std::unique_ptr<asio::io_context> io;
    int fd = -1;  // While open; Stop() shuts it down to wake the thread.
    std::thread thread;
    bool done = false;
  };

  void AcceptLoop();
  // A connection's thread: serves it, then marks it done for the acceptor to reap.
  void RunConnection(Connection* connection, tcp::socket socket);
  void ServeSocket(TimedSocket& socket);
  // Answers 503 when too many connections are open.
  void RefuseBusy(tcp::socket& socket);

  std::optional<http::Router> router_;  // Set once by Serve(), before the acceptor starts.
  http::ConnectionOptions options_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::io_context io_;  // The acceptor's; never run: accepting is synchronous.
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::once_flag stop_once_;
  std::mutex mu_;
  std::list<Connection> connections_;  // Guarded by mu_; reaped by the acceptor thread.
  size_t open_ = 0;                    // Guarded by mu_.
};

absl::Status Server::Listen(const std::string& listen) {
  absl::StatusOr<tcp::endpoint> endpoint = ResolveListen(listen);
  if (!endpoint.ok()) return endpoint.status();
  boost::system::error_code ec;
  acceptor_.open(endpoint->protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(*endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_.local_endpoint(ec).port();
  if (ec) {
    return absl::UnavailableError(StrCat("cannot listen for HTTP on ", listen, ": ", ec.message()));
  }
  return absl::OkStatus();
}

void Server::AcceptLoop() {
  while (!stopping_.load()) {
    auto io = std::make_unique<asio::io_context>(1);
    tcp::socket socket(*io);
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec) {
      if (stopping_.load()) return;
      // Out of file descriptors or a connection reset before accept: wait, go on.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::list<Connection> finished;
    std::unique_lock lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
    if (open_ >= kMaxConnections) {
      lock.unlock();
      RefuseBusy(socket);
    } else {
      Connection& connection = connections_.emplace_back();
      connection.fd = socket.native_handle();
      connection.io = std::move(io);
      ++open_;
      try {
        connection.thread =
            std::thread(&Server::RunConnection, this, &connection, std::move(socket));
      } catch (const std::system_error& e) {
        // The socket is closed with the thread's arguments; the entry (and its io_context,
        // which must outlive the socket) is reaped with the finished ones.
        spdlog::warn("HTTP: cannot start a connection thread: {}", e.what());
        connection.fd = -1;
        connection.done = true;
        --open_;
      }
      lock.unlock();
    }
    for (Connection& c : finished) {
      if (c.thread.joinable()) c.thread.join();
    }
  }
}

void Server::RefuseBusy(tcp::socket& socket) {
  if (!tls_) {
    constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 32\r\n"
        "Connection: close\r\n\r\ntoo many connections, try later\n";
    [[maybe_unused]] ssize_t n =
        ::send(socket.native_handle(), kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  boost::system::error_code ec;
  socket.close(ec);
}

void Server::ServeSocket(TimedSocket& socket) {
  boost::system::error_code ec;
  socket.socket().set_option(tcp::no_delay(true), ec);
  if (tls_) {
    asio::ssl::stream<TimedSocket&> stream(socket, *tls_);
    socket.expires_after(options_.header_timeout);
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    http::ServeConnection(stream, socket, *router_, options_, stopping_);
    socket.expires_after(kDrainTimeout);
    stream.shutdown(ec);
  } else {
    http::ServeConnection(socket, socket, *router_, options_, stopping_);
    socket.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!ec) Drain(socket);
  }
}

void Server::RunConnection(Connection* connection, tcp::socket raw) {
  TimedSocket socket(std::move(raw));
  // A last resort: the data path uses error codes, but an allocation can still fail.
  try {
    ServeSocket(socket);
  } catch (const std::exception& e) {
    spdlog::error("HTTP connection ended by an unexpected error: {}", e.what());
  }
  {
    std::lock_guard lock(mu_);
    connection->fd = -1;  // Before the descriptor is closed and can be reused.
  }
  boost::system::error_code ec;
  socket.socket().close(ec);
  std::lock_guard lock(mu_);
  connection->done = true;
  --open_;
}

void Server::Stop() {
  std::call_once(stop_once_, [this] {
    stopping_.store(true);
    boost::system::error_code ec;
    // shutdown() on a listening socket wakes a thread blocked in accept() (Linux).
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    acceptor_.close(ec);
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      for (Connection& c : connections_) {
        if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
        threads.push_back(std::move(c.thread));
      }
    }
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
    std::lock_guard lock(mu_);
    connections_.clear();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> BindHttpServer(const std::string& listen,
                                                           const TlsConfig& tls) {
  std::unique_ptr<asio::ssl::context> ctx;
  if (tls.enabled()) {
    absl::StatusOr<std::unique_ptr<asio::ssl::context>> made = MakeTlsContext(tls);
    if (!made.ok()) return made.status();
    ctx = *std::move(made);
  }
  auto server = std::make_unique<Server>(std::move(ctx));
  if (absl::Status status = server->Listen(listen); !status.ok()) return status;
  return server;
}

absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(const std::string& listen,
                                                            const TlsConfig& tls, HttpDeps deps) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server = BindHttpServer(listen, tls);
  if (server.ok()) (*server)->Serve(std::move(deps));
  return server;
}

}  // namespace vigie::server
