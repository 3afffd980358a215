#include <openssl/sha.h>
#include <time.h>

#include <set>

#include "alerts/notify/render.h"
#include "common/strings.h"

namespace vigie::alerts::notify {

std::string_view GroupStatus(const Notification& n, int64_t now_ms) {
  for (const Alert& alert : n.alerts) {
    if (!alert.ResolvedAt(now_ms)) return "firing";
  }
  return "resolved";
}

std::string Subject(const Notification& n, int64_t now_ms) {
  std::string_view status = GroupStatus(n, now_ms);
  std::string out = status == "firing" ? "[FIRING:" : "[RESOLVED";
  if (status == "firing") {
    size_t firing = 0;
    for (const Alert& alert : n.alerts) firing += alert.ResolvedAt(now_ms) ? 0 : 1;
    StrAppend(&out, firing);
  }
  out += "]";
  LabelSet common = CommonLabels(n.alerts);
  std::string_view name = n.group_labels.Get("alertname");
  if (name.empty()) name = common.Get("alertname");
  StrAppend(&out, " ", name.empty() ? "alerts" : name);
  std::string rest;
  for (const Label& label : n.group_labels.labels()) {
    if (label.name == "alertname") continue;
    StrAppend(&rest, rest.empty() ? "" : " ", label.value);
  }
  if (!rest.empty()) StrAppend(&out, " — ", rest);
  return out;
}

namespace {

struct tm UtcTm(int64_t ms) {
  time_t seconds = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string DeployLine(const Alert& alert) {
  struct tm tm = UtcTm(alert.starts_at_ms);
  std::string out = fmt::format("since {:02}:{:02} UTC", tm.tm_hour, tm.tm_min);
  if (alert.deploys.empty()) return out;
  const Deploy& deploy = alert.deploys.front();  // The newest.
  int64_t minutes = (alert.starts_at_ms - deploy.time_ms) / 60000;
  if (minutes < 1) {
    out += ", less than a minute after deploy ";
  } else {
    StrAppend(&out, ", ", minutes, " min after deploy ");
  }
  out += deploy.service;
  if (!deploy.version.empty()) StrAppend(&out, "#", deploy.version);
  if (!deploy.commit.empty()) StrAppend(&out, " (", deploy.commit, ")");
  if (!deploy.author.empty()) StrAppend(&out, " by ", deploy.author);
  if (alert.deploys.size() > 1) {
    StrAppend(&out, " (and ", alert.deploys.size() - 1, " earlier)");
  }
  return out;
}

std::string GoTime(int64_t ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";
  struct tm tm = UtcTm(ms);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  int64_t millis = ((ms % 1000) + 1000) % 1000;
  if (millis != 0) {
    std::string fraction = fmt::format(".{:03}", millis);
    while (fraction.back() == '0') fraction.pop_back();
    out += fraction;
  }
  return out + "Z";
}

std::string GroupKeyHash(std::string_view group_key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(group_key.data()), group_key.size(), digest);
  std::string out;
  for (unsigned char byte : digest) fmt::format_to(std::back_inserter(out), "{:02x}", byte);
  return out;
}

LabelSet CommonLabels(const std::vector<Alert>& alerts) {
  if (alerts.empty()) return {};
  std::vector<Label> common;
  for (const Label& label : alerts.front().labels.labels()) {
    bool shared = true;
    for (const Alert& alert : alerts)
      shared = shared && alert.labels.Get(label.name) == label.value;
    if (shared) common.push_back(label);
  }
  return *LabelSet::Make(std::move(common));  // A subset of a valid set.
}

std::string CommonSeverity(const std::vector<Alert>& alerts) {
  return std::string(CommonLabels(alerts).Get("severity"));
}

std::map<std::string, std::string> CommonAnnotations(const std::vector<Alert>& alerts) {
  if (alerts.empty()) return {};
  std::map<std::string, std::string> common = alerts.front().annotations;
  for (const Alert& alert : alerts) {
    std::erase_if(common, [&](const auto& item) {
      auto it = alert.annotations.find(item.first);
      return it == alert.annotations.end() || it->second != item.second;
    });
  }
  return common;
}

}  // namespace vigie::alerts::notify
