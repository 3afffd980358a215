// The HTTP side of a scrape: one GET of a target's metrics over libcurl, with the headers
// Prometheus sends (Accept preferring OpenMetrics, X-Prometheus-Scrape-Timeout-Seconds),
// gzip accepted and decoded, and a cap on the decoded body.
//
// One fetcher per target keeps its connection open between scrapes and its body buffer, so that
// a steady scrape allocates nothing here.
//
// Thread safety: a fetcher is used by one thread at a time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace vigie::collector {

class ScrapeFetcher {
 public:
  ScrapeFetcher();
  ~ScrapeFetcher();
  ScrapeFetcher(const ScrapeFetcher&) = delete;
  ScrapeFetcher& operator=(const ScrapeFetcher&) = delete;

  // GETs `url` within `timeout`. On success body() and content_type() hold the answer. Fails
  // (naming the URL and the cause) on a transport error, a status other than 200 or a body
  // above `max_body_bytes` once decoded.
  absl::Status Fetch(const std::string& url, std::chrono::milliseconds timeout,
                     size_t max_body_bytes);

  std::string_view body() const { return body_; }
  const std::string& content_type() const { return content_type_; }

 private:
  void* curl_;  // CURL*, kept for connection reuse.
  std::string body_;
  std::string content_type_;
  size_t max_body_bytes_ = 0;
  bool too_large_ = false;
  static size_t Receive(char* data, size_t size, size_t count, void* self);
};

}  // namespace vigie::collector
