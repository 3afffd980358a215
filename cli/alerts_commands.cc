#include "cli/alerts_commands.h"

#include <algorithm>
#include <iostream>

#include "cli/alerts_view.h"
#include "cli/table.h"
#include "cli/time_flags.h"
#include "common/strings.h"
#include "common/time.h"

namespace vigie::cli {
namespace {

using Json = nlohmann::json;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// How far before the range --history looks for the deploy that preceded a firing.
constexpr int64_t kDeployLookbackNs = 24 * 3600 * kNanosPerSecond;

constexpr const char* kFooter =
    "Without flags: the firing and pending alerts, newest first, with the deploy each follows.\n"
    "Examples:\n"
    "  vigie alerts\n"
    "  vigie alerts --history --since 7d      what fired, when, for how long, after which deploy\n"
    "  vigie alerts --failed                  notifications that could not be delivered\n"
    "  vigie alerts test-receiver dev         send a test message through receiver dev\n";

std::string Seconds(int64_t ns) {
  return StrCat(ns / kNanosPerSecond, ".",
                StrCat(1'000'000'000 + ns % kNanosPerSecond).substr(1, 3));
}

int Print(const std::string& output, const Rows& rows, const Json& json, const char* none) {
  if (output == "json") {
    std::cout << json.dump(2) << "\n";
  } else if (rows.size() <= 1) {
    std::cerr << "vigie: " << none << "\n";
  } else {
    PrintTable(rows, std::cout);
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

}  // namespace

AlertsCommands::AlertsCommands(
    CLI::App* app, ClientOptions* client,
    const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags) {
  alerts_cmd_ = app->add_subcommand(
      "alerts", "Firing and pending alerts; their history (--history); failed notifications");
  alerts_cmd_->footer(kFooter);
  alerts_cmd_->add_flag("--history", flags_.history,
                        "What fired over --since: start, how long, the deploy before it "
                        "(default: the alerts active now)");
  alerts_cmd_->add_option("--since", flags_.since, "--history's range back from now, e.g. 24h")
      ->capture_default_str();
  alerts_cmd_->add_option("--step", flags_.step,
                          "--history's resolution: firings are seen to this step (default: "
                          "the range / 10000, at least 1s)");
  alerts_cmd_->add_flag("--failed", flags_.failed,
                        "The notifications that could not be delivered (the dead letters)");
  alerts_cmd_->add_option("--output,-o", flags_.output, "table or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  test_cmd_ = alerts_cmd_->add_subcommand(
      "test-receiver", "Send a test notification through every integration of a receiver");
  test_cmd_->add_option("name", flags_.receiver, "The receiver, as named in the notify config")
      ->required();
  for (CLI::App* cmd : {alerts_cmd_, test_cmd_}) {
    cmd->add_option("--url", flags_.http.url,
                    "vigied's HTTP API (its --http-listen address), where alerts are served")
        ->capture_default_str();
    cmd->add_option("--timeout", flags_.timeout, "Give up after this long (0: never)")
        ->capture_default_str();
    add_connection_flags(cmd, client);
  }
}

int AlertsCommands::Run(const ClientOptions& client) {
  int64_t timeout_ns = 0;
  if (flags_.timeout != "0" && !ParseDurationFlag("--timeout", flags_.timeout, &timeout_ns)) {
    return kExitUsage;
  }
  flags_.http.timeout_ms = timeout_ns > 0 ? timeout_ns / kNanosPerMilli : 0;
  if (*test_cmd_) return TestReceiver(client);
  if (flags_.history && flags_.failed) {
    std::cerr << "vigie alerts: --history and --failed are two listings: give one\n";
    return kExitUsage;
  }
  if (flags_.history) return History(client);
  if (flags_.failed) return Failed(client);
  return Active(client);
}

int AlertsCommands::Active(const ClientOptions& client) const {
  Json data;
  if (int code = CallJsonApi(client, flags_.http, "GET", "/api/v1/alerts", &data); code) {
    return code;
  }
  Json alerts = data.value("alerts", Json::array());
  int code = Print(flags_.output, ActiveAlertRows(alerts, NowNanos() / kNanosPerMilli), alerts,
                   "no alerts firing or pending");
  PrintLearning(client);
  return code;
}

void AlertsCommands::PrintLearning(const ClientOptions& client) const {
  // Best effort: a vigied without anomaly rules (or an older one) says nothing here.
  alerts::notify::HttpResult rules = SendToVigied(
      client, flags_.http.url, "GET", "/api/v1/rules?type=alert", "", flags_.http.timeout_ms);
  Json body = Json::parse(rules.body, nullptr, false);
  if (rules.status != 200 || !body.is_object()) return;
  for (const Json& group : body["data"].value("groups", Json::array())) {
    for (const Json& rule : group.value("rules", Json::array())) {
      Json anomaly = rule.value("anomaly", Json::object());
      size_t learning = anomaly.value("learning", size_t{0});
      if (learning == 0) continue;
      std::string name = rule.value("name", "");
      std::cerr << "vigie: " << name << " is learning " << learning << " of "
                << anomaly.value("series", size_t{0})
                << " series: it does not fire for them yet (vigie anomaly backfill " << name
                << " learns from history)\n";
    }
  }
}

int AlertsCommands::History(const ClientOptions& client) const {
  int64_t range_ns = 0, step_ns = 0;
  if (!ParseDurationFlag("--since", flags_.since, &range_ns) ||
      (!flags_.step.empty() && !ParseDurationFlag("--step", flags_.step, &step_ns))) {
    return kExitUsage;
  }
  if (step_ns == 0) {
    step_ns = std::max<int64_t>(kNanosPerSecond, (range_ns / 10000 + kNanosPerSecond - 1) /
                                                     kNanosPerSecond * kNanosPerSecond);
  }
  const int64_t end_ns = NowNanos() / kNanosPerSecond * kNanosPerSecond;
  const int64_t start_ns = end_ns - range_ns;
  Json matrix;
  std::string query =
      StrCat("/api/v1/query_range?query=", UrlEscape("ALERTS{alertstate=\"firing\"}"),
             "&start=", Seconds(start_ns), "&end=", Seconds(end_ns), "&step=", Seconds(step_ns));
  if (int code = CallJsonApi(client, flags_.http, "GET", query, &matrix); code) return code;
  std::vector<Firing> firings = FiringsFromMatrix(
      matrix.value("result", Json::array()), step_ns / kNanosPerMilli, end_ns / kNanosPerMilli);
  if (!firings.empty()) {
    Json deploys;
    std::string path = StrCat("/api/v1/deploys?start=", Seconds(start_ns - kDeployLookbackNs),
                              "&end=", Seconds(end_ns));
    if (CallJsonApi(client, flags_.http, "GET", path, &deploys) == kExitOk) {
      AttachDeploys(deploys, &firings);
    } else {
      std::cerr << "vigie: the history is shown without the deploys before each firing\n";
    }
  }
  return Print(flags_.output, HistoryRows(firings), HistoryJson(firings),
               StrCat("nothing fired in the last ", flags_.since).c_str());
}

int AlertsCommands::Failed(const ClientOptions& client) const {
  Json data;
  if (int code =
          CallJsonApi(client, flags_.http, "GET", "/api/v1/notifications?state=failed", &data);
      code) {
    return code;
  }
  return Print(flags_.output, FailedRows(data), data, "no failed notifications");
}

int AlertsCommands::TestReceiver(const ClientOptions& client) const {
  Json data;
  std::string path = StrCat("/api/v1/receivers/", UrlEscape(flags_.receiver), "/test");
  if (int code = CallJsonApi(client, flags_.http, "POST", path, &data); code) return code;
  if (flags_.output == "json") {
    std::cout << data.dump(2) << "\n";
  }
  bool all_ok = true;
  for (const Json& result : data.is_array() ? data : Json::array()) {
    bool ok = result.value("ok", false);
    all_ok = all_ok && ok;
    if (flags_.output == "json") continue;
    std::cout << flags_.receiver << "/" << result.value("integration", "?") << ": "
              << (ok ? "delivered" : "failed");
    if (result.contains("status_code") && result["status_code"].is_number() &&
        result["status_code"].get<int>() != 0) {
      std::cout << " (HTTP " << result["status_code"].get<int>() << ")";
    }
    if (std::string error = result.value("error", ""); !error.empty()) std::cout << ": " << error;
    std::cout << "\n";
  }
  if (data.empty()) std::cerr << "vigie: receiver " << flags_.receiver << " has no integrations\n";
  return all_ok ? kExitOk : kExitError;
}

}  // namespace vigie::cli
