// Outgoing HTTP requests, behind an interface so that the outbox and the forwarder can be tested
// with injected answers and faults. The real one is libcurl's (NewCurlSender), which the CLI's
// calls to vigied's HTTP API use too.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vigie::alerts::notify {

// How to reach the receiver, from its http_config (receivers.h).
struct HttpTransport {
  std::string ca_file;  // Empty: the system's CA certificates.
  bool insecure_skip_verify = false;
  std::string proxy_url;  // Empty: the *_proxy environment variables.
  bool follow_redirects = true;
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type, Authorization, ...
  std::string body;
  HttpTransport transport;
};

struct HttpResult {
  int status = 0;           // The HTTP status; 0 when no answer came (connection, TLS, timeout).
  std::string error;        // Why, when status is 0.
  std::string retry_after;  // The Retry-After header, when present.
  std::string body;         // The answer's body, its first CurlOptions::max_body_bytes.
};

// Thread-safe: Send may be called from several threads at once.
class HttpSender {
 public:
  virtual ~HttpSender() = default;
  // Sends `request` and waits for the answer (bounded by the sender's timeouts).
  virtual HttpResult Send(const HttpRequest& request) = 0;
};

struct CurlOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};
  // What is kept of an answer's body: receivers' answers only matter for error messages; a
  // client that reads the answer (the CLI) keeps all of it.
  size_t max_body_bytes = 4096;
};

// libcurl: TLS peer and host verified unless insecure_skip_verify, proxies from the environment
// unless proxy_url, at most 10 redirects when follow_redirects.
std::unique_ptr<HttpSender> NewCurlSender(CurlOptions options = {});

}  // namespace vigie::alerts::notify
