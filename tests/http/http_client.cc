#include "tests/http/http_client.h"

#include "common/strings.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace vigie::testing {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using server::http::TimedSocket;

// Connects a TimedSocket to host:port; null with `error` set on failure.
std::unique_ptr<TimedSocket> Connect(asio::io_context& io, const std::string& address,
                                     std::string* error) {
  size_t colon = address.rfind(':');
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(address.substr(0, colon), address.substr(colon + 1), ec);
  tcp::socket socket(io);
  if (!ec) asio::connect(socket, endpoints, ec);
  if (ec) {
    *error = "connect " + address + ": " + ec.message();
    return nullptr;
  }
  return std::make_unique<TimedSocket>(std::move(socket));
}

template <class Stream>
HttpReply Exchange(Stream& stream, TimedSocket& socket, std::string_view method,
                   std::string_view target, std::string body, const Headers& headers,
                   std::chrono::milliseconds timeout) {
  bhttp::request<bhttp::string_body> req{
      bhttp::string_to_verb({method.data(), method.size()}), {target.data(), target.size()}, 11};
  req.set(bhttp::field::host, "vigied");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  socket.expires_after(timeout);
  HttpReply reply;
  boost::system::error_code ec;
  bhttp::write(stream, req, ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 32);
  parser.skip(method == "HEAD");  // The answer to HEAD has a Content-Length but no body.
  if (!ec) bhttp::read(stream, buffer, parser, ec);
  if (ec) {
    reply.error = ec.message();
    return reply;
  }
  auto& res = parser.get();
  reply.status = res.result_int();
  reply.body = res.body();
  reply.content_type = std::string(res[bhttp::field::content_type]);
  reply.connection = std::string(res[bhttp::field::connection]);
  for (const auto& field : res) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return reply;
}

}  // namespace

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string QueryString(const Headers& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += UrlEncode(name) + "=" + UrlEncode(value);
  }
  return out;
}

HttpConnection::HttpConnection(const std::string& address, bool tls) {
  socket_ = Connect(io_, address, &error_);
  if (!socket_) return;
  if (tls) {
    tls_context_.set_verify_mode(asio::ssl::verify_none);
    tls_ = std::make_unique<asio::ssl::stream<TimedSocket&>>(*socket_, tls_context_);
    socket_->expires_after(std::chrono::seconds(10));
    boost::system::error_code ec;
    tls_->handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      error_ = "TLS handshake: " + ec.message();
      return;
    }
  }
  connected_ = true;
}

HttpConnection::~HttpConnection() = default;

HttpReply HttpConnection::Request(std::string_view method, std::string_view target,
                                  std::string body, const Headers& headers,
                                  std::chrono::milliseconds timeout) {
  if (!connected_) return {.status = 0, .error = error_};
  if (tls_) return Exchange(*tls_, *socket_, method, target, std::move(body), headers, timeout);
  return Exchange(*socket_, *socket_, method, target, std::move(body), headers, timeout);
}

std::string HttpConnection::RawExchange(std::string_view bytes, std::chrono::milliseconds timeout) {
  std::string out;
  if (!connected_ || tls_) return out;
  socket_->expires_after(timeout);
  boost::system::error_code ec;
  asio::write(*socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  char buf[4096];
  while (!ec) {
    size_t n = socket_->read_some(asio::buffer(buf), ec);
    out.append(buf, n);
  }
  return out;
}

HttpReply HttpCall(const std::string& address, std::string_view method, std::string_view target,
                   std::string body, const Headers& headers) {
  HttpConnection connection(address);
  return connection.Request(method, target, std::move(body), headers);
}

TailClient::TailClient(const std::string& address, const std::string& target,
                       const Headers& headers) {
  socket_ = Connect(io_, address, &error_);
  if (!socket_) return;
  ws_ = std::make_unique<beast::websocket::stream<TimedSocket&>>(*socket_);
  ws_->set_option(beast::websocket::stream_base::decorator([headers](auto& req) {
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  socket_->expires_after(std::chrono::seconds(10));
  beast::websocket::response_type response;
  boost::system::error_code ec;
  ws_->handshake(response, "vigied", target, ec);
  if (ec) {
    error_ = "handshake: " + ec.message() + " (HTTP " + std::to_string(response.result_int()) +
             ": " + response.body() + ")";
    return;
  }
  connected_ = true;
}

TailClient::~TailClient() { Close(); }

void TailClient::Close() {
  if (connected_ && !closed_) {
    socket_->expires_after(std::chrono::seconds(2));
    boost::system::error_code ec;
    ws_->close(beast::websocket::close_code::normal, ec);
    closed_ = true;
  }
}

bool TailClient::Ping() {
  if (!connected_ || closed_) return false;
  socket_->expires_after(std::chrono::seconds(2));
  boost::system::error_code ec;
  ws_->ping("are you there", ec);
  return !ec;
}

std::optional<std::string> TailClient::Read(std::chrono::milliseconds timeout) {
  if (!connected_ || closed_) return std::nullopt;
  socket_->expires_after(timeout);
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  ws_->read(buffer, ec);
  if (ec) {
    closed_ = ec != asio::error::timed_out;
    if (!closed_) connected_ = false;
    return std::nullopt;
  }
  return beast::buffers_to_string(buffer.data());
}

}  // namespace vigie::testing
