#include "collector/inputs/scrape_http.h"

#include <curl/curl.h>

#include <mutex>

#include "common/strings.h"

namespace vigie::collector {

namespace {

// What Prometheus 2.42 asks for, so that a target answers the collector as it answers it.
constexpr char kAccept[] =
    "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

}  // namespace

ScrapeFetcher::ScrapeFetcher() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

ScrapeFetcher::~ScrapeFetcher() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

size_t ScrapeFetcher::Receive(char* data, size_t size, size_t count, void* self) {
  auto* fetcher = static_cast<ScrapeFetcher*>(self);
  size_t n = size * count;
  if (fetcher->body_.size() + n > fetcher->max_body_bytes_) {
    fetcher->too_large_ = true;
    return 0;  // Aborts the transfer.
  }
  fetcher->body_.append(data, n);
  return n;
}

absl::Status ScrapeFetcher::Fetch(const std::string& url, std::chrono::milliseconds timeout,
                                  size_t max_body_bytes) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return absl::InternalError("libcurl: cannot create a handle");
  body_.clear();
  content_type_.clear();
  max_body_bytes_ = max_body_bytes;
  too_large_ = false;
  std::string timeout_header = StrCat("X-Prometheus-Scrape-Timeout-Seconds: ",
                                      static_cast<double>(timeout.count()) / 1000.0);
  curl_slist* headers = curl_slist_append(nullptr, kAccept);
  headers = curl_slist_append(headers, timeout_header.c_str());
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "vigie-collector");
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &ScrapeFetcher::Receive);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (too_large_) {
    return absl::ResourceExhaustedError(
        StrCat(url, ": body larger than max_body_bytes (", max_body_bytes, ")"));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        StrCat(url, ": ", error[0] != '\0' ? error : curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return absl::UnavailableError(StrCat(url, ": server returned HTTP status ", status));
  char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) content_type_ = type;
  return absl::OkStatus();
}

}  // namespace vigie::collector
