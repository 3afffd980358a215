// HttpSender on libcurl's easy interface: one handle per request (requests are few: one per
// notification), so that threads share nothing but libcurl's global state, initialised once.
#include <curl/curl.h>

#include <mutex>

#include "alerts/notify/http_sender.h"
#include "common/strings.h"

namespace vigie::alerts::notify {
namespace {

// Where the answer's body goes, and how much of it is kept.
struct BodySink {
  std::string* body;
  size_t max_bytes;
};

size_t KeepBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  size_t n = size * count;
  if (sink->body->size() < sink->max_bytes) {
    sink->body->append(data, std::min(n, sink->max_bytes - sink->body->size()));
  }
  return n;
}

size_t KeepRetryAfter(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && StartsWithIgnoreCase(line, kName)) {
    *static_cast<std::string*>(user) = std::string(TrimAsciiSpace(line.substr(kName.size())));
  }
  return size * count;
}

class CurlSender : public HttpSender {
 public:
  explicit CurlSender(CurlOptions options) : options_(options) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResult Send(const HttpRequest& request) override {
    HttpResult result;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      result.error = "libcurl: cannot create a handle";
      return result;
    }
    char error[CURL_ERROR_SIZE] = {};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, StrCat(name, ": ", value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // No 100-continue round trip.
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (request.method != "GET") {  // A GET has no body, not even an empty one.
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vigie");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.transport.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER,
                     request.transport.insecure_skip_verify ? 0L : 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST,
                     request.transport.insecure_skip_verify ? 0L : 2L);
    if (!request.transport.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, request.transport.ca_file.c_str());
    }
    // Unset, libcurl reads http_proxy, https_proxy and no_proxy from the environment.
    if (!request.transport.proxy_url.empty()) {
      curl_easy_setopt(curl, CURLOPT_PROXY, request.transport.proxy_url.c_str());
    }
    BodySink sink{&result.body, options_.max_body_bytes};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, KeepBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, KeepRetryAfter);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.retry_after);
    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      result.status = static_cast<int>(status);
    } else {
      result.error = StrCat(RedactedUrl(request.url), ": ",
                            error[0] != '\0' ? error : curl_easy_strerror(code));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return result;
  }

 private:
  // Webhook URLs carry secrets in their path (Slack's): errors name the host only.
  static std::string RedactedUrl(const std::string& url) {
    size_t scheme = url.find("://");
    size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path) + "/…";
  }

  const CurlOptions options_;
};

}  // namespace

std::unique_ptr<HttpSender> NewCurlSender(CurlOptions options) {
  return std::make_unique<CurlSender>(options);
}

}  // namespace vigie::alerts::notify
