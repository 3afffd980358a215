#include "alerts/notify/receivers.h"

#include <set>

#include "alerts/integrations.h"
#include "alerts/notify/config_reader.h"
#include "common/strings.h"

namespace vigie::alerts::notify {
namespace {

constexpr std::string_view kDefaultPagerDutyUrl = "https://events.pagerduty.com/v2/enqueue";

// What the global section provides to the integrations.
struct Globals {
  std::string slack_api_url;
  std::string pagerduty_url = std::string(kDefaultPagerDutyUrl);
  HttpClientConfig http;
};

// Text fields may hold Go templates in Alertmanager's files; vigie does not evaluate them and
// renders its own default instead, saying so once per field.
void TakeText(ConfigReader& reader, std::string_view key, std::string* out,
              std::vector<std::string>* warnings) {
  reader.String(key, out);
  if (out->find("{{") != std::string::npos) {
    warnings->push_back(
        StrCat(reader.Describe(key), ": Go templates are not evaluated; vigie's default is used"));
    out->clear();
  }
}

// A URL or key: a template there cannot be replaced by a default.
void TakeLiteral(ConfigReader& reader, std::string_view key, std::string* out) {
  reader.String(key, out);
  if (out->find("{{") != std::string::npos) {
    reader.Fail(key, "Go templates are not supported here; write the value itself");
  }
}

// As in Alertmanager, an integration's own http_config replaces the global one as a whole.
HttpClientConfig ReadHttpConfig(ConfigReader& parent, const HttpClientConfig& inherited) {
  if (!parent.Has("http_config")) return inherited;
  HttpClientConfig config;
  ConfigReader reader = parent.Nested(parent.Child("http_config"), "http_config");
  reader.RejectUnknown({"basic_auth", "authorization", "bearer_token", "bearer_token_file",
                        "tls_config", "proxy_url", "follow_redirects", "enable_http2",
                        "proxy_from_environment"});
  if (reader.Has("basic_auth")) {
    ConfigReader auth = reader.Nested(reader.Child("basic_auth"), "basic_auth");
    auth.RejectUnknown({"username", "password", "password_file"});
    auth.String("username", &config.basic_auth_username);
    auth.String("password", &config.basic_auth_password);
    auth.FileContents("password_file", &config.basic_auth_password);
    reader.Merge(auth.status());
  }
  if (reader.Has("authorization")) {
    ConfigReader auth = reader.Nested(reader.Child("authorization"), "authorization");
    auth.RejectUnknown({"type", "credentials", "credentials_file"});
    auth.String("type", &config.authorization_type);
    auth.String("credentials", &config.authorization_credentials);
    auth.FileContents("credentials_file", &config.authorization_credentials);
    reader.Merge(auth.status());
  }
  reader.String("bearer_token", &config.authorization_credentials);
  reader.FileContents("bearer_token_file", &config.authorization_credentials);
  if (!config.basic_auth_username.empty() && !config.authorization_credentials.empty()) {
    reader.Fail("", "basic_auth and authorization (or bearer_token) cannot both be set");
  }
  if (reader.Has("tls_config")) {
    ConfigReader tls = reader.Nested(reader.Child("tls_config"), "tls_config");
    tls.RejectUnknown({"ca_file", "insecure_skip_verify"});
    tls.String("ca_file", &config.ca_file);
    tls.Bool("insecure_skip_verify", &config.insecure_skip_verify);
    reader.Merge(tls.status());
  }
  reader.String("proxy_url", &config.proxy_url);
  reader.Bool("follow_redirects", &config.follow_redirects);
  parent.Merge(reader.status());
  return config;
}

// A secret given inline (`key`) or in a file (`file_key`), not both.
void TakeValueOrFile(ConfigReader& reader, std::string_view key, std::string_view file_key,
                     std::string* out) {
  TakeLiteral(reader, key, out);
  reader.FileContents(file_key, out);
  if (reader.Has(key) && reader.Has(file_key)) {
    reader.Fail(file_key, StrCat(key, " and ", file_key, " cannot both be set"));
  }
}

void RequireHttpUrl(ConfigReader& reader, std::string_view key, const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    reader.Fail(key, "must be an http:// or https:// URL");
  }
}

SlackConfig ReadSlack(ConfigReader& reader, const Globals& globals,
                      std::vector<std::string>* warnings) {
  reader.RejectUnknown({"send_resolved", "http_config",  "api_url",  "api_url_file", "channel",
                        "username",      "icon_emoji",   "icon_url", "link_names",   "title",
                        "title_link",    "pretext",      "text",     "fallback",     "footer",
                        "color",         "short_fields", "fields",   "actions",      "mrkdwn_in"});
  SlackConfig c;
  TakeValueOrFile(reader, "api_url", "api_url_file", &c.api_url);
  if (c.api_url.empty()) c.api_url = globals.slack_api_url;
  if (c.api_url.empty()) {
    reader.Fail("", "no api_url: set api_url or api_url_file here, or global.slack_api_url");
  } else {
    RequireHttpUrl(reader, "api_url", c.api_url);
  }
  for (auto [key, field] : {std::pair{"channel", &c.channel},
                            {"username", &c.username},
                            {"icon_emoji", &c.icon_emoji},
                            {"icon_url", &c.icon_url},
                            {"title", &c.title},
                            {"title_link", &c.title_link},
                            {"pretext", &c.pretext},
                            {"text", &c.text},
                            {"fallback", &c.fallback},
                            {"footer", &c.footer},
                            {"color", &c.color}}) {
    TakeText(reader, key, field, warnings);
  }
  reader.Bool("link_names", &c.link_names);
  reader.Bool("short_fields", &c.short_fields);
  reader.StringList("mrkdwn_in", &c.mrkdwn_in);
  if (YAML::Node fields = reader.Child("fields"); fields.IsSequence()) {
    for (size_t i = 0; i < fields.size(); ++i) {
      ConfigReader f = reader.Nested(fields[i], StrCat("fields[", i, "]"));
      f.RejectUnknown({"title", "value", "short"});
      SlackField field;
      TakeText(f, "title", &field.title, warnings);
      TakeText(f, "value", &field.value, warnings);
      if (f.Has("short")) {
        bool value = false;
        f.Bool("short", &value);
        field.short_field = value;
      }
      if (field.title.empty() && field.value.empty()) continue;  // All templates: dropped.
      c.fields.push_back(std::move(field));
      reader.Merge(f.status());
    }
  } else if (fields.IsDefined() && !fields.IsNull()) {
    reader.Fail("fields", "must be a list of {title, value, short}");
  }
  if (YAML::Node actions = reader.Child("actions"); actions.IsSequence()) {
    for (size_t i = 0; i < actions.size(); ++i) {
      ConfigReader a = reader.Nested(actions[i], StrCat("actions[", i, "]"));
      a.RejectUnknown({"type", "text", "url", "style", "name", "value"});
      SlackAction action;
      a.String("type", &action.type);
      TakeText(a, "text", &action.text, warnings);
      TakeLiteral(a, "url", &action.url);
      a.String("style", &action.style);
      a.String("name", &action.name);
      a.String("value", &action.value);
      if (action.text.empty()) a.Fail("text", "an action needs a text");
      if (action.url.empty() && action.name.empty()) a.Fail("", "an action needs a url or a name");
      c.actions.push_back(std::move(action));
      reader.Merge(a.status());
    }
  } else if (actions.IsDefined() && !actions.IsNull()) {
    reader.Fail("actions", "must be a list of {type, text, url, ...}");
  }
  return c;
}

WebhookConfig ReadWebhook(ConfigReader& reader) {
  reader.RejectUnknown({"send_resolved", "http_config", "url", "url_file", "max_alerts"});
  WebhookConfig c;
  TakeValueOrFile(reader, "url", "url_file", &c.url);
  if (c.url.empty()) {
    reader.Fail("", "no url: set url or url_file");
  } else {
    RequireHttpUrl(reader, "url", c.url);
  }
  reader.Uint("max_alerts", &c.max_alerts);
  return c;
}

PagerDutyConfig ReadPagerDuty(ConfigReader& reader, const Globals& globals,
                              std::vector<std::string>* warnings) {
  if (reader.Has("service_key") || reader.Has("service_key_file")) {
    reader.Fail(reader.Has("service_key") ? "service_key" : "service_key_file",
                "PagerDuty's Events API v1 is not supported: use routing_key (Events API v2)");
  }
  reader.RejectUnknown({"send_resolved", "http_config", "routing_key", "routing_key_file", "url",
                        "client", "client_url", "description", "severity", "source", "class",
                        "component", "group", "details", "links"});
  PagerDutyConfig c;
  c.url = globals.pagerduty_url;
  TakeValueOrFile(reader, "routing_key", "routing_key_file", &c.routing_key);
  if (c.routing_key.empty()) reader.Fail("", "no routing_key: set routing_key or routing_key_file");
  TakeLiteral(reader, "url", &c.url);
  RequireHttpUrl(reader, "url", c.url);
  for (auto [key, field] : {std::pair{"client", &c.client},
                            {"client_url", &c.client_url},
                            {"description", &c.description},
                            {"severity", &c.severity},
                            {"source", &c.source},
                            {"class", &c.class_name},
                            {"component", &c.component},
                            {"group", &c.group}}) {
    TakeText(reader, key, field, warnings);
  }
  static const std::set<std::string> kSeverities = {"critical", "error", "warning", "info"};
  if (!c.severity.empty() && !kSeverities.contains(c.severity)) {
    reader.Fail("severity", "must be critical, error, warning or info (PagerDuty's severities)");
  }
  reader.StringMap("details", &c.details);
  for (auto it = c.details.begin(); it != c.details.end();) {
    if (it->second.find("{{") == std::string::npos) {
      ++it;
      continue;
    }
    warnings->push_back(StrCat(reader.Describe("details"), ".", it->first,
                               ": Go templates are not evaluated; left out"));
    it = c.details.erase(it);
  }
  if (YAML::Node links = reader.Child("links"); links.IsSequence()) {
    for (size_t i = 0; i < links.size(); ++i) {
      ConfigReader l = reader.Nested(links[i], StrCat("links[", i, "]"));
      l.RejectUnknown({"href", "text"});
      PagerDutyLink link;
      TakeLiteral(l, "href", &link.href);
      TakeText(l, "text", &link.text, warnings);
      if (link.href.empty()) l.Fail("href", "a link needs an href");
      c.links.push_back(std::move(link));
      reader.Merge(l.status());
    }
  }
  return c;
}

// Alertmanager's other integrations, named so that the error says what is not supported
// rather than that the field is unknown.
constexpr std::string_view kUnsupported[] = {
    "email_configs",     "opsgenie_configs", "wechat_configs",    "pushover_configs",
    "victorops_configs", "sns_configs",      "telegram_configs",  "webex_configs",
    "discord_configs",   "msteams_configs",  "msteamsv2_configs", "jira_configs",
    "rocketchat_configs"};

absl::Status ReadReceiver(const YAML::Node& node, size_t position, std::string_view file,
                          const Globals& globals, Receivers* out) {
  ConfigReader reader(node, file, StrCat("receivers[", position, "]"));
  std::string name;
  reader.String("name", &name);
  if (!reader.status().ok()) return reader.status();
  if (name.empty()) {
    reader.Fail("", "a receiver needs a name");
    return reader.status();
  }
  reader = ConfigReader(node, file, StrCat("receiver \"", name, "\""));
  for (std::string_view kind : kUnsupported) {
    if (reader.Has(kind)) {
      reader.Fail(kind, StrCat("not supported by vigie (it sends slack_configs, webhook_configs "
                               "and pagerduty_configs); to keep this integration, forward alerts "
                               "to an Alertmanager with --alertmanager.url"));
      return reader.status();
    }
  }
  reader.RejectUnknown({"name", "slack_configs", "webhook_configs", "pagerduty_configs"});
  if (out->by_name.contains(name)) {
    reader.Fail("name", "a receiver of this name is already defined above: names must be unique");
  }
  Receiver receiver{name, {}};
  for (std::string_view list : {"slack_configs", "webhook_configs", "pagerduty_configs"}) {
    YAML::Node configs = reader.Child(list);
    if (!configs.IsDefined() || configs.IsNull()) continue;
    if (!configs.IsSequence()) {
      reader.Fail(list, "must be a list");
      continue;
    }
    std::string kind(list.substr(0, list.find('_')));
    for (size_t i = 0; i < configs.size(); ++i) {
      ConfigReader item = reader.Nested(configs[i], StrCat(list, "[", i, "]"));
      Integration integration;
      integration.kind = kind;
      integration.index = static_cast<int>(i);
      integration.send_resolved = FindIntegrationKind(list)->sends_resolved;
      item.Bool("send_resolved", &integration.send_resolved);
      integration.http = ReadHttpConfig(item, globals.http);
      if (kind == "slack") {
        integration.config = ReadSlack(item, globals, &out->warnings);
      } else if (kind == "webhook") {
        integration.config = ReadWebhook(item);
      } else {
        integration.config = ReadPagerDuty(item, globals, &out->warnings);
      }
      reader.Merge(item.status());
      receiver.integrations.push_back(std::move(integration));
    }
  }
  if (!reader.status().ok()) return reader.status();
  out->by_name.emplace(name, std::move(receiver));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Receivers> BuildReceivers(const YAML::Node& receivers, const YAML::Node& global,
                                         std::string_view file) {
  try {
    ConfigReader global_reader(global, file, "global");
    Globals globals;
    TakeLiteral(global_reader, "slack_api_url", &globals.slack_api_url);
    global_reader.FileContents("slack_api_url_file", &globals.slack_api_url);
    TakeLiteral(global_reader, "pagerduty_url", &globals.pagerduty_url);
    globals.http = ReadHttpConfig(global_reader, HttpClientConfig{});
    if (!global_reader.status().ok()) return global_reader.status();

    Receivers out;
    if (!receivers.IsDefined() || receivers.IsNull()) return out;
    if (!receivers.IsSequence()) {
      ConfigReader reader(YAML::Node(), file, "receivers");
      reader.Fail("", "must be a list of receivers");
      return reader.status();
    }
    for (size_t i = 0; i < receivers.size(); ++i) {
      if (absl::Status st = ReadReceiver(receivers[i], i, file, globals, &out); !st.ok()) {
        return st;
      }
    }
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(file, ": ", e.what()));
  }
}

}  // namespace vigie::alerts::notify
