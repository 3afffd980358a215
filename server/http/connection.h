// One HTTP connection, on its own thread: requests in a keep-alive loop, each read with Beast's
// synchronous functions within size limits and deadlines and answered by the Router; a
// WebSocket upgrade of the tail endpoint turns the connection into a live tail (asynchronous
// operations run by the same thread, see WebSocketChannel). Templated on the stream so that
// plain TCP (TimedSocket) and TLS (ssl::stream<TimedSocket&>) share the code.
//
// Never throws: Beast and Asio are called through their error_code overloads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "common/strings.h"
#include "server/http/gzip.h"
#include "server/http/loki_tail.h"
#include "server/http/request.h"
#include "server/http/response.h"
#include "server/http/router.h"
#include "server/http/timed_socket.h"
#include "server/request_budget.h"

namespace vigie::server::http {

struct ConnectionOptions {
  // Waiting for a request and reading its header: also how long an idle keep-alive connection
  // stays open.
  std::chrono::milliseconds header_timeout{60'000};
  std::chrono::milliseconds body_timeout{120'000};
  // Writing a response or a tail frame.
  std::chrono::milliseconds write_timeout{60'000};
  uint32_t header_limit = 16 * 1024;
  size_t websocket_message_limit = 64 * 1024;  // What a tail client may send (it should not).
};

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Boost 1.74's string_view is its own type, not std::string_view.
inline std::string_view ToStd(boost::beast::string_view s) { return {s.data(), s.size()}; }

// The handlers' view of a request: target split into path and parameters, the body decoded
// from its Content-Encoding, and the parameters of a form-encoded body added to those of the
// query string. Content-Encoding: gzip is inflated within `limits` (the path's body limit,
// --max-decompression-ratio), whose reserve() takes the inflated bytes from the in-flight
// budget; identity and snappy (which Loki's push passes through: the body is snappy protobuf)
// are kept as they are. A body without Content-Type that is a JSON object reads as
// application/json. The error answer otherwise: 400 (corrupt, or an unknown encoding), 413 (it
// inflates beyond the limits) or 429 (the budget is full). `body` is moved in.
std::variant<Request, Response> ToRequest(const BeastRequest& raw, std::string body,
                                          const InflateLimits& limits, const Router& router);

// The answer to a request that could not be read, or nullopt when the connection should just
// close (the client left, or was idle too long).
std::optional<Response> ReadErrorResponse(const boost::system::error_code& ec);

// Writes `response` within the write timeout; false when the connection failed. For a HEAD
// request (`head_only`) only the header goes out, with the Content-Length of the body.
template <class Stream>
bool WriteResponse(Stream& stream, TimedSocket& socket, Response response, unsigned version,
                   bool keep_alive, const ConnectionOptions& options, bool head_only = false) {
  namespace http = boost::beast::http;
  http::response<http::string_body> res{static_cast<http::status>(response.status), version};
  res.set(http::field::server, "vigied");
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(response.body);
  res.prepare_payload();
  socket.expires_after(options.write_timeout);
  boost::system::error_code ec;
  http::response_serializer<http::string_body> serializer(res);
  if (head_only) {
    http::write_header(stream, serializer, ec);
  } else {
    http::write(stream, serializer, ec);
  }
  return !ec;
}

// Reads the body of the request whose header `parser` holds, reserving in `reservation` the
// buffer it grows into beyond what is reserved already (a body of known size is reserved before,
// whole; a chunked one grows as it comes). False when the budget is full (nothing more is read;
// the caller answers 429) or, with `ec` set, when reading failed.
template <class Stream>
bool ReadBody(Stream& stream, TimedSocket& socket, boost::beast::flat_buffer& buffer,
              boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
              RequestBudget::Reservation& reservation, const ConnectionOptions& options,
              boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  socket.expires_after(options.body_timeout);
  while (!parser.is_done()) {
    http::read_some(stream, buffer, parser, ec);
    if (ec) return true;
    uint64_t held = parser.get().body().capacity();
    if (held > reservation.bytes() && !reservation.Grow(held - reservation.bytes())) return false;
  }
  return true;
}

// The tail's view of a WebSocket connection. After the synchronous handshake the connection
// runs Beast's asynchronous operations on its socket's own io_context, driven from its thread:
// a read stays posted, so that the client's pings are answered and its close is seen at once
// (a blocking read would wait for a data message that a tail client never sends), while frames
// are written as the tail produces them.
template <class Stream>
class WebSocketChannel : public TailChannel {
 public:
  WebSocketChannel(boost::beast::websocket::stream<Stream&>& ws, TimedSocket& socket,
                   const ConnectionOptions& options)
      : ws_(ws),
        socket_(socket),
        io_(static_cast<boost::asio::io_context&>(socket.get_executor().context())),
        options_(options) {
    Read();
  }
  // Close() must have been called: no handler may outlive the channel.
  ~WebSocketChannel() override = default;

  bool Send(const std::string& frame) override {
    if (closed_) return false;
    bool done = false;
    boost::system::error_code result;
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(frame), [&](boost::system::error_code ec, size_t) {
      done = true;
      result = ec;
    });
    RunUntil([&] { return done; }, options_.write_timeout);
    if (!done) Abort();  // The client stopped reading.
    return !result && !closed_;
  }

  bool Alive() override {
    io_.restart();
    io_.poll();
    return !closed_;
  }

  // Sends a close frame with `code` if the client is still there, then waits for every
  // outstanding operation to finish.
  void Close(boost::beast::websocket::close_code code) {
    if (!closed_) {
      bool done = false;
      ws_.async_close(code, [&](boost::system::error_code) { done = true; });
      RunUntil([&] { return done && !reading_; }, std::chrono::seconds(2));
    }
    Abort();
  }

 private:
  void Read() {
    reading_ = true;
    ws_.async_read(buffer_, [this](boost::system::error_code ec, size_t) {
      reading_ = false;
      buffer_.clear();
      if (ec) {
        closed_ = true;
      } else {
        Read();
      }
    });
  }

  template <class Done>
  void RunUntil(Done done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    io_.restart();
    while (!done() && io_.run_one_until(deadline) > 0) {
    }
  }

  // Cancels what is outstanding and runs the handlers to completion.
  void Abort() {
    boost::system::error_code ec;
    socket_.socket().cancel(ec);
    socket_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    closed_ = true;
    io_.restart();
    io_.run();
  }

  boost::beast::websocket::stream<Stream&>& ws_;
  TimedSocket& socket_;
  boost::asio::io_context& io_;
  const ConnectionOptions& options_;
  boost::beast::flat_buffer buffer_;  // What the client sends, discarded.
  bool reading_ = false;
  bool closed_ = false;
};

template <class Stream>
void ServeTail(Stream& stream, TimedSocket& socket, const BeastRequest& raw, const TailPlan& plan,
               const Router& router, const ConnectionOptions& options,
               const std::atomic<bool>& stopping) {
  namespace websocket = boost::beast::websocket;
  websocket::stream<Stream&> ws(stream);
  ws.read_message_max(options.websocket_message_limit);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(boost::beast::http::field::server, "vigied"); }));
  socket.expires_after(options.write_timeout);
  boost::system::error_code ec;
  ws.accept(raw, ec);
  if (ec) return;
  WebSocketChannel<Stream> channel(ws, socket, options);
  RunTail(plan, router.deps(), channel, stopping);
  channel.Close(stopping.load() ? websocket::close_code::going_away
                                : websocket::close_code::normal);
}

// Serves requests until the client closes, an error, a timeout, or `stopping`.
template <class Stream>
void ServeConnection(Stream& stream, TimedSocket& socket, const Router& router,
                     const ConnectionOptions& options, const std::atomic<bool>& stopping) {
  namespace http = boost::beast::http;
  boost::beast::flat_buffer buffer;
  while (!stopping.load()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options.header_limit);
    // The body limit depends on the path: checked below once the header is read.
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    boost::system::error_code ec;
    socket.expires_after(options.header_timeout);
    http::read_header(stream, buffer, parser, ec);
    if (ec) {
      if (auto error = ReadErrorResponse(ec)) {
        WriteResponse(stream, socket, *std::move(error), 11, false, options);
      }
      return;
    }
    unsigned version = parser.get().version();
    std::string_view target = ToStd(parser.get().target());
    uint64_t limit = router.BodyLimit(target.substr(0, target.find('?')));
    parser.body_limit(limit);
    if (parser.content_length() && *parser.content_length() > limit) {
      WriteResponse(stream, socket,
                    JsonError(413, StrCat("the request body is larger than the "
                                          "limit of ",
                                          limit, " bytes")),
                    version, false, options);
      return;
    }
    // A body of known size is reserved before the client is told to send it.
    RequestBudget::Reservation reservation = router.NewReservation();
    bool fits = !parser.content_length() || reservation.Grow(*parser.content_length());
    if (fits && boost::beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, version};
      socket.expires_after(options.write_timeout);
      http::write(stream, go_on, ec);
      if (ec) return;
    }
    if (!fits || !ReadBody(stream, socket, buffer, parser, reservation, options, ec)) {
      WriteResponse(stream, socket, router.Busy(), version, false, options);
      return;
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        WriteResponse(stream, socket,
                      JsonError(413, StrCat("the request body is larger than the "
                                            "limit of ",
                                            limit, " bytes")),
                      version, false, options);
      } else if (auto error = ReadErrorResponse(ec)) {
        WriteResponse(stream, socket, *std::move(error), version, false, options);
      }
      return;
    }
    BeastRequest raw = parser.release();
    bool head_only = raw.method() == http::verb::head;
    InflateLimits inflate_limits{.max_bytes = limit,
                                 .max_ratio = router.deps().limits.max_decompression_ratio,
                                 .reserve = [&](size_t n) { return reservation.Grow(n); }};
    std::variant<Request, Response> decoded =
        ToRequest(raw, std::move(raw.body()), inflate_limits, router);
    if (auto* error = std::get_if<Response>(&decoded)) {
      WriteResponse(stream, socket, std::move(*error), version, false, options, head_only);
      return;
    }
    Request& request = std::get<Request>(decoded);
    boost::system::error_code peer_error;
    request.peer = socket.socket().remote_endpoint(peer_error).address().to_string();
    if (request.path == kTailPath && boost::beast::websocket::is_upgrade(raw)) {
      std::variant<TailPlan, Response> tail = router.PrepareTail(request);
      if (auto* plan = std::get_if<TailPlan>(&tail)) {
        ServeTail(stream, socket, raw, *plan, router, options, stopping);
      } else {
        WriteResponse(stream, socket, std::get<Response>(std::move(tail)), version, false, options);
      }
      return;
    }
    bool keep_alive = raw.keep_alive();
    request.client_gone = [&] { return stopping.load() || socket.peer_closed(); };
    request.reserve = inflate_limits.reserve;
    Response response = router.Handle(request);
    reservation.Release();
    keep_alive = keep_alive && !stopping.load();
    if (!WriteResponse(stream, socket, std::move(response), version, keep_alive, options,
                       head_only) ||
        !keep_alive) {
      return;
    }
  }
}

}  // namespace vigie::server::http
