// The CLI's HTTP client for the vigied endpoints that only HTTP serves (alerts, notifications,
// receivers): one blocking request at a time (http_request.h), bearer token from --token, TLS
// verified.
//
// Not thread-safe; one request at a time per process is all the CLI makes.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "alerts/notify/http_sender.h"
#include "cli/client.h"

namespace vigie::cli {

struct HttpOptions {
  std::string url = "http://127.0.0.1:9470";  // vigied's HTTP API (vigied --http-listen).
  int64_t timeout_ms = 30'000;
};

// Sends `method` `path` (with its query string, and `body` as JSON when not empty) to vigied's
// HTTP API at `url` (http://, or https:// with client.tls, when it names no scheme), with the
// client's bearer token and CA file, within `timeout_ms`; the whole answer is kept.
alerts::notify::HttpResult SendToVigied(const ClientOptions& client, const std::string& url,
                                        const std::string& method, const std::string& path,
                                        std::string body = "", int64_t timeout_ms = 30'000);

// Makes `method` `path` (with its query string) against options.url and parses the answer as
// Prometheus-style JSON ({"status": "success", "data": ...}). Returns kExitOk and sets *data, or
// prints what went wrong and what to do (vigied unreachable, a refused token, an error answer
// with its message) and returns the exit code.
int CallJsonApi(const ClientOptions& client, const HttpOptions& options, const std::string& method,
                const std::string& path, nlohmann::json* data);

// Percent-encodes a query parameter value or path segment.
std::string UrlEscape(const std::string& text);

}  // namespace vigie::cli
