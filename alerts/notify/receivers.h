// Receivers in Alertmanager 0.25's configuration format (the `receivers` and `global` sections of
// the notify file): each receiver's integrations (slack_configs, webhook_configs,
// pagerduty_configs), with their http_config, ready for the payload renderers (render.h).
//
// Secrets given as files (api_url_file, url_file, routing_key_file, password_file,
// credentials_file, bearer_token_file) are read when the receivers are built, that is at load and
// reload. Go templates in text fields are not evaluated (docs/alerts.md, "Receivers").
//
// Thread safety: Receivers is an immutable value once built; share it as a shared_ptr<const>.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace vigie::alerts::notify {

// The supported part of prometheus/common's http_config.
struct HttpClientConfig {
  std::string basic_auth_username;
  std::string basic_auth_password;
  std::string authorization_type = "Bearer";  // With credentials (authorization or bearer_token).
  std::string authorization_credentials;
  std::string ca_file;  // Empty: the system's CA certificates.
  bool insecure_skip_verify = false;
  std::string proxy_url;  // Empty: libcurl's default, the *_proxy environment variables.
  bool follow_redirects = true;
};

struct SlackField {
  std::string title;
  std::string value;
  std::optional<bool> short_field;  // Unset: the config's short_fields.
};

struct SlackAction {
  std::string type = "button";
  std::string text;
  std::string url;
  std::string style;
  std::string name;
  std::string value;
};

// Empty text fields get vigie's defaults when rendered (render.h).
struct SlackConfig {
  std::string api_url;
  std::string channel;
  std::string username;
  std::string icon_emoji;
  std::string icon_url;
  bool link_names = false;
  std::string title;
  std::string title_link;
  std::string pretext;
  std::string text;
  std::string fallback;
  std::string footer;
  std::string color;
  bool short_fields = false;
  std::vector<SlackField> fields;
  std::vector<SlackAction> actions;
  std::vector<std::string> mrkdwn_in;
};

struct WebhookConfig {
  std::string url;
  uint64_t max_alerts = 0;  // 0: all.
};

struct PagerDutyLink {
  std::string href;
  std::string text;
};

struct PagerDutyConfig {
  std::string routing_key;
  std::string url = "https://events.pagerduty.com/v2/enqueue";
  std::string client;       // Empty: "vigie".
  std::string client_url;   // Empty: the notification's external URL.
  std::string description;  // The summary; empty: the default subject.
  std::string severity;     // Empty: from the alerts' severity label, else "error".
  std::string source;       // Empty: the client.
  std::string class_name;
  std::string component;
  std::string group;
  std::map<std::string, std::string> details;  // Empty: firing, resolved, num_firing, num_resolved.
  std::vector<PagerDutyLink> links;
};

struct Integration {
  std::string kind;  // "slack", "webhook", "pagerduty": Alertmanager's integration names.
  int index = 0;     // Its position in its list.
  bool send_resolved = false;
  HttpClientConfig http;
  std::variant<SlackConfig, WebhookConfig, PagerDutyConfig> config;

  // "slack[0]": how metrics, logs and the API name it (Alertmanager's integration label).
  std::string Id() const { return kind + "[" + std::to_string(index) + "]"; }
};

struct Receiver {
  std::string name;
  std::vector<Integration> integrations;  // Empty: a receiver that drops its notifications.
};

struct Receivers {
  std::map<std::string, Receiver, std::less<>> by_name;
  // What was accepted but not taken as written (a Go template left unevaluated), one line each
  // naming file, line, receiver and field; the loader logs them.
  std::vector<std::string> warnings;

  const Receiver* Find(std::string_view name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &it->second;
  }
};

// Builds the receivers from the YAML nodes of the notify file's `receivers` (a sequence) and
// `global` (a map, or null) sections; `file` names the file in errors. Fails with
// InvalidArgument naming file, line, receiver and field (an unknown field, a missing URL or
// routing key, an unreadable *_file, a receiver type vigie does not support, a duplicate name).
absl::StatusOr<Receivers> BuildReceivers(const YAML::Node& receivers, const YAML::Node& global,
                                         std::string_view file);

}  // namespace vigie::alerts::notify
