#include "cli/http_client.h"

#include <chrono>
#include <iostream>

#include "cli/http_request.h"

namespace vigie::cli {
namespace {

// `url` without trailing slashes, with a scheme.
std::string VigiedBase(const ClientOptions& client, std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.find("://") == std::string::npos) url = (client.tls ? "https://" : "http://") + url;
  return url;
}

}  // namespace

std::string UrlEscape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

alerts::notify::HttpResult SendToVigied(const ClientOptions& client, const std::string& url,
                                        const std::string& method, const std::string& path,
                                        std::string body, int64_t timeout_ms) {
  alerts::notify::HttpRequest request;
  request.method = method;
  request.url = VigiedBase(client, url) + path;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  if (!client.token.empty())
    request.headers.emplace_back("Authorization", "Bearer " + client.token);
  request.transport.ca_file = client.ca_file;
  return SendHttp(request, std::chrono::milliseconds(timeout_ms));
}

int CallJsonApi(const ClientOptions& client, const HttpOptions& options, const std::string& method,
                const std::string& path, nlohmann::json* data) {
  const std::string base = VigiedBase(client, options.url);
  const std::string url = base + path;
  alerts::notify::HttpResult result =
      SendToVigied(client, options.url, method, path, "", options.timeout_ms);
  if (result.status == 0) {
    std::cerr << "vigie: cannot reach vigied's HTTP API at " << base << " (" << result.error
              << "). Is vigied running? Point --url at its --http-listen address.\n";
    return kExitError;
  }
  const int status = result.status;
  const std::string& body = result.body;
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  std::string message = answer.is_object() ? answer.value("error", "") : "";
  if (status == 401 || status == 403) {
    std::cerr << "vigie: refused by vigied (" << status << "): " << message
              << ". Pass a token with the right scope: --token or $VIGIE_TOKEN.\n";
    return kExitError;
  }
  if (status == 404 && message.empty()) {
    std::cerr << "vigie: " << url << " is not served (404): is --url vigied's HTTP address, and "
              << "is vigied recent enough to serve it?\n";
    return kExitError;
  }
  if (!answer.is_object() || answer.value("status", "") != "success") {
    std::cerr << "vigie: " << method << " " << path << " failed (" << status
              << "): " << (message.empty() ? body.substr(0, 300) : message) << "\n";
    return status == 400 ? kExitUsage : kExitError;
  }
  *data = answer.contains("data") ? answer["data"] : nlohmann::json();
  return kExitOk;
}

}  // namespace vigie::cli
