#include "absl/strings/escaping.h"
#include "alerts/notify/render.h"
#include "common/strings.h"

namespace vigie::alerts::notify {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

HttpRequest RenderRequest(const Integration& integration, const Notification& n, int64_t now_ms) {
  HttpRequest request;
  OrderedJson body = std::visit(Overloaded{
                                    [&](const SlackConfig& c) {
                                      request.url = c.api_url;
                                      return SlackPayload(c, n, now_ms);
                                    },
                                    [&](const WebhookConfig& c) {
                                      request.url = c.url;
                                      return WebhookPayload(c, n, now_ms);
                                    },
                                    [&](const PagerDutyConfig& c) {
                                      request.url = c.url;
                                      return PagerDutyPayload(c, n, now_ms);
                                    },
                                },
                                integration.config);
  request.body = body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  request.headers.emplace_back("Content-Type", "application/json");
  const HttpClientConfig& http = integration.http;
  if (!http.basic_auth_username.empty()) {
    request.headers.emplace_back(
        "Authorization", StrCat("Basic ", absl::Base64Escape(StrCat(http.basic_auth_username, ":",
                                                                    http.basic_auth_password))));
  } else if (!http.authorization_credentials.empty()) {
    request.headers.emplace_back(
        "Authorization", StrCat(http.authorization_type, " ", http.authorization_credentials));
  }
  request.transport = {http.ca_file, http.insecure_skip_verify, http.proxy_url,
                       http.follow_redirects};
  return request;
}

}  // namespace vigie::alerts::notify
