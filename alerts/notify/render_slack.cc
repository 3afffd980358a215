// Slack's incoming-webhook message with one legacy attachment, as Alertmanager's slack_configs
// send it (https://api.slack.com/reference/messaging/attachments); Mattermost's incoming
// webhooks take the same payload.
#include "alerts/notify/render.h"
#include "common/strings.h"

namespace vigie::alerts::notify {
namespace {

// Slack reads &, < and > in text as markup (https://api.slack.com/reference/surfaces/formatting).
std::string EscapeSlack(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string_view Annotation(const Alert& alert, const std::string& name) {
  auto it = alert.annotations.find(name);
  return it == alert.annotations.end() ? std::string_view() : std::string_view(it->second);
}

// Alertmanager's default is danger while firing and good once resolved; vigie also tells a
// warning (orange) and an informational alert (blue) apart by the severity label.
std::string Color(const Notification& n, int64_t now_ms) {
  if (GroupStatus(n, now_ms) == "resolved") return "good";
  std::string severity = CommonSeverity(n.alerts);
  if (severity == "warning" || severity == "ticket") return "warning";
  if (severity == "info" || severity == "none") return "#439FE0";
  return "danger";
}

constexpr size_t kAlertsListed = 10;

// For each alert: its summary (else its name), description, onset and deploy, runbook link.
std::string DefaultText(const Notification& n, int64_t now_ms) {
  std::string text;
  for (size_t i = 0; i < n.alerts.size() && i < kAlertsListed; ++i) {
    const Alert& alert = n.alerts[i];
    if (!text.empty()) text += "\n\n";
    std::string_view summary = Annotation(alert, "summary");
    if (summary.empty()) summary = alert.labels.Get("alertname");
    StrAppend(&text, alert.ResolvedAt(now_ms) ? "*Resolved:* " : "*", EscapeSlack(summary),
              alert.ResolvedAt(now_ms) ? "" : "*");
    if (std::string_view description = Annotation(alert, "description"); !description.empty()) {
      StrAppend(&text, "\n", EscapeSlack(description));
    }
    StrAppend(&text, "\n", EscapeSlack(DeployLine(alert)));
    if (std::string_view runbook = Annotation(alert, "runbook_url"); !runbook.empty()) {
      StrAppend(&text, "\n<", runbook, "|Runbook>");
    }
  }
  if (n.alerts.size() > kAlertsListed) {
    StrAppend(&text, "\n\n… and ", n.alerts.size() - kAlertsListed, " more");
  }
  return text;
}

std::string Or(const std::string& value, std::string fallback) {
  return value.empty() ? std::move(fallback) : value;
}

}  // namespace

OrderedJson SlackPayload(const SlackConfig& config, const Notification& n, int64_t now_ms) {
  std::string subject = Subject(n, now_ms);
  OrderedJson attachment = {{"title", Or(config.title, subject)}};
  std::string title_link = Or(config.title_link, n.external_url);
  if (!title_link.empty()) attachment["title_link"] = title_link;
  if (!config.pretext.empty()) attachment["pretext"] = config.pretext;
  attachment["text"] = Or(config.text, DefaultText(n, now_ms));
  attachment["fallback"] = Or(config.fallback, subject);
  attachment["callback_id"] = "";
  OrderedJson fields = OrderedJson::array();
  for (const SlackField& field : config.fields) {
    fields.push_back({{"title", field.title},
                      {"value", field.value},
                      {"short", field.short_field.value_or(config.short_fields)}});
  }
  if (config.fields.empty()) {
    if (std::string severity = CommonSeverity(n.alerts); !severity.empty()) {
      fields.push_back({{"title", "Severity"}, {"value", severity}, {"short", true}});
    }
  }
  if (!fields.empty()) attachment["fields"] = std::move(fields);
  if (!config.actions.empty()) {
    OrderedJson actions = OrderedJson::array();
    for (const SlackAction& action : config.actions) {
      OrderedJson a = {{"type", action.type}, {"text", action.text}};
      for (auto [key, value] : {std::pair{"url", &action.url},
                                {"style", &action.style},
                                {"name", &action.name},
                                {"value", &action.value}}) {
        if (!value->empty()) a[key] = *value;
      }
      actions.push_back(std::move(a));
    }
    attachment["actions"] = std::move(actions);
  }
  attachment["footer"] = config.footer;
  attachment["color"] = Or(config.color, Color(n, now_ms));
  attachment["mrkdwn_in"] = config.mrkdwn_in.empty()
                                ? OrderedJson::array({"fallback", "pretext", "text"})
                                : OrderedJson(config.mrkdwn_in);

  OrderedJson message = OrderedJson::object();
  for (auto [key, value] : {std::pair{"channel", &config.channel},
                            {"username", &config.username},
                            {"icon_emoji", &config.icon_emoji},
                            {"icon_url", &config.icon_url}}) {
    if (!value->empty()) message[key] = *value;
  }
  if (config.link_names) message["link_names"] = true;
  message["attachments"] = OrderedJson::array({std::move(attachment)});
  return message;
}

}  // namespace vigie::alerts::notify
