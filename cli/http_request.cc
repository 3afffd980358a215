#include "cli/http_request.h"

#include "cli/http_url.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>

namespace vigie::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using alerts::notify::HttpRequest;
using alerts::notify::HttpResult;

// Runs the asynchronous operation that `start` begins until it ends (the stream's expiry ends it
// at the deadline); returns its error.
template <typename Start>
beast::error_code Run(asio::io_context& io, Start start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

template <typename Stream>
HttpResult Exchange(asio::io_context& io, Stream& stream, const HttpRequest& request,
                    const HttpUrl& url) {
  HttpResult result;
  http::request<http::string_body> out(http::string_to_verb(request.method), url.target, 11);
  out.set(http::field::host, url.host);
  out.set(http::field::user_agent, "vigie");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.body() = request.body;
  out.prepare_payload();
  if (beast::error_code ec = Run(io, [&](auto h) { http::async_write(stream, out, h); })) {
    result.error = "sending the request: " + ec.message();
    return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  if (beast::error_code ec =
          Run(io, [&](auto h) { http::async_read(stream, buffer, parser, h); })) {
    result.error = "reading the answer: " + ec.message();
    return result;
  }
  const auto& answer = parser.get();
  result.status = static_cast<int>(answer.result_int());
  if (auto it = answer.find(http::field::retry_after); it != answer.end())
    result.retry_after = std::string(it->value());
  result.body = answer.body();
  return result;
}

}  // namespace

HttpResult SendHttp(const HttpRequest& request, std::chrono::milliseconds timeout) {
  HttpResult failed;
  std::optional<HttpUrl> url = ParseHttpUrl(request.url);
  if (!url) {
    failed.error = "not an http:// or https:// URL: " + request.url;
    return failed;
  }
  if (http::string_to_verb(request.method) == http::verb::unknown) {
    failed.error = "unknown HTTP method " + request.method;
    return failed;
  }
  asio::io_context io;
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) {
    failed.error = "resolving " + url->host + ": " + ec.message();
    return failed;
  }
  beast::tcp_stream tcp(io);
  tcp.expires_after(timeout);  // One deadline for the whole exchange.
  if ((ec = Run(io, [&](auto h) { tcp.async_connect(endpoints, h); }))) {
    failed.error = "connecting to " + url->host + ":" + url->port + ": " + ec.message();
    return failed;
  }
  if (!url->tls) return Exchange(io, tcp, request, *url);
  ssl::context context(ssl::context::tls_client);
  if (request.transport.ca_file.empty()) {
    context.set_default_verify_paths(ec);
  } else {
    context.load_verify_file(request.transport.ca_file, ec);
  }
  if (ec) {
    failed.error = "loading the CA certificates " + request.transport.ca_file + ": " + ec.message();
    return failed;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), context);
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(url->host));
  SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str());
  if ((ec = Run(io, [&](auto h) { stream.async_handshake(ssl::stream_base::client, h); }))) {
    failed.error = "TLS handshake with " + url->host + ": " + ec.message();
    return failed;
  }
  return Exchange(io, stream, request, *url);
}

}  // namespace vigie::cli
