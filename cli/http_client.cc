#include "cli/http_client.h"

#include <curl/curl.h>

#include <iostream>
#include <memory>

namespace vigie::cli {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
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

int CallJsonApi(const ClientOptions& client, const HttpOptions& options, const std::string& method,
                const std::string& path, nlohmann::json* data) {
  std::string base = options.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.find("://") == std::string::npos) base = (client.tls ? "https://" : "http://") + base;
  const std::string url = base + path;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  if (!client.token.empty()) {
    headers.reset(curl_slist_append(nullptr, ("Authorization: Bearer " + client.token).c_str()));
  }
  std::string body;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, "");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  if (!client.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, client.ca_file.c_str());
  CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    std::cerr << "vigie: cannot reach vigied's HTTP API at " << base << " ("
              << (error[0] ? error : curl_easy_strerror(code))
              << "). Is vigied running? Point --url at its --http-listen address.\n";
    return kExitError;
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
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
