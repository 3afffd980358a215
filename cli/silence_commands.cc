#include "cli/silence_commands.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "alerts/dispatch/matcher.h"
#include "cli/http_client.h"
#include "common/strings.h"
#include "common/time.h"
#include "nlohmann/json.hpp"

namespace vigie::cli {
namespace {

using nlohmann::json;

alerts::notify::HttpResult Call(const ClientOptions& client, const SilenceOptions& options,
                                const std::string& method, const std::string& path,
                                std::string body = "") {
  return SendToVigied(client, options.url, method, path, std::move(body));
}

// Prints why a call failed; true when it succeeded.
bool Succeeded(const SilenceOptions& options, const alerts::notify::HttpResult& result) {
  if (result.status >= 200 && result.status < 300) return true;
  if (result.status == 0) {
    std::cerr << "vigie: cannot reach vigied at " << options.url << ": " << result.error
              << " (set --url to vigied's HTTP address)\n";
    return false;
  }
  json message = json::parse(result.body, nullptr, false);
  std::cerr << "vigie: vigied answered " << result.status << ": "
            << (message.is_string() ? message.get<std::string>() : result.body) << "\n";
  return false;
}

std::string ShortTime(const std::string& rfc3339) {
  auto nanos = ParseTime(rfc3339);
  if (!nanos.ok()) return rfc3339;
  std::string text = FormatRfc3339Nano(*nanos);
  return text.substr(0, 16).replace(10, 1, " ") + " UTC";
}

}  // namespace

int RunSilenceAdd(const ClientOptions& client, const SilenceOptions& options) {
  json matchers = json::array();
  for (const std::string& text : options.matchers) {
    auto parsed = alerts::ParseMatchers(text);
    if (!parsed.ok()) {
      std::cerr << "vigie: bad matcher " << text << ": " << parsed.status().message()
                << " (write name=value, name!=value, name=~regex or name!~regex)\n";
      return 2;
    }
    for (const alerts::Matcher& m : *parsed) {
      matchers.push_back({{"name", m.name()},
                          {"value", m.value()},
                          {"isRegex", m.is_regex()},
                          {"isEqual", m.is_equal()}});
    }
  }
  if (matchers.empty()) {
    std::cerr << "vigie: silence add needs at least one matcher, e.g. alertname=Http404Spike\n";
    return 2;
  }
  auto duration = ParseDuration(options.duration);
  if (!duration.ok() || *duration <= 0) {
    std::cerr << "vigie: bad --for " << options.duration << " (e.g. 2h, 30m, 1d)\n";
    return 2;
  }
  std::string author = options.author;
  if (author.empty()) {
    const char* user = getenv("USER");
    author = user != nullptr ? user : "vigie";
  }
  int64_t now = NowNanos();
  json silence = {{"matchers", matchers},
                  {"startsAt", FormatRfc3339Nano(now)},
                  {"endsAt", FormatRfc3339Nano(now + *duration)},
                  {"createdBy", author},
                  {"comment", options.comment}};
  auto result = Call(client, options, "POST", "/api/v2/silences", silence.dump());
  if (!Succeeded(options, result)) return 1;
  json reply = json::parse(result.body, nullptr, false);
  std::cout << (reply.is_object() ? reply.value("silenceID", "") : result.body) << "\n";
  return 0;
}

int RunSilenceList(const ClientOptions& client, const SilenceOptions& options) {
  auto result = Call(client, options, "GET", "/api/v2/silences");
  if (!Succeeded(options, result)) return 1;
  json silences = json::parse(result.body, nullptr, false);
  if (!silences.is_array()) {
    std::cerr << "vigie: vigied's answer is not a list of silences\n";
    return 1;
  }
  std::cout << fmt::format("{:<36}  {:<8}  {:<20}  {:<20}  {:<10}  {}\n", "ID", "STATE", "ENDS",
                           "CREATED BY", "COMMENT", "MATCHERS");
  for (const json& s : silences) {
    std::string state = s["status"].value("state", "");
    if (state == "expired" && !options.expired) continue;
    std::string matchers;
    for (const json& m : s["matchers"]) {
      auto matcher = alerts::Matcher::Make(
          m.value("isRegex", false) ? (m.value("isEqual", true) ? alerts::MatchType::kRegex
                                                                : alerts::MatchType::kNotRegex)
                                    : (m.value("isEqual", true) ? alerts::MatchType::kEqual
                                                                : alerts::MatchType::kNotEqual),
          m.value("name", ""), m.value("value", ""));
      StrAppend(&matchers, matchers.empty() ? "" : " ",
                matcher.ok() ? matcher->ToString() : m.dump());
    }
    std::cout << fmt::format("{:<36}  {:<8}  {:<20}  {:<20}  {:<10}  {}\n", s.value("id", ""),
                             state, ShortTime(s.value("endsAt", "")), s.value("createdBy", ""),
                             s.value("comment", ""), matchers);
  }
  return 0;
}

int RunSilenceExpire(const ClientOptions& client, const SilenceOptions& options) {
  int code = 0;
  for (const std::string& id : options.ids) {
    auto result = Call(client, options, "DELETE", "/api/v2/silence/" + id);
    if (!Succeeded(options, result)) {
      code = 1;
      continue;
    }
    std::cout << "expired " << id << "\n";
  }
  return code;
}

}  // namespace vigie::cli

namespace vigie::cli {

CLI::App* AddSilenceCommands(
    CLI::App* app, SilenceOptions* options, ClientOptions* client,
    const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags) {
  CLI::App* silence = app->add_subcommand(
      "silence", "Add, list and expire silences (vigied's Alertmanager API, as amtool does)");
  silence->require_subcommand(1);
  auto add_url = [&](CLI::App* cmd) {
    cmd->add_option("--url", options->url, "vigied's HTTP address")->capture_default_str();
    add_connection_flags(cmd, client);
  };
  add_url(silence);
  CLI::App* add = silence->add_subcommand("add", "Silence the alerts that match every matcher");
  add->add_option("matcher", options->matchers,
                  "alertname=Http404Spike, service=~\"front|back\", severity!=page (all must "
                  "match)")
      ->required();
  add->add_option("--for", options->duration, "How long the silence lasts from now")
      ->capture_default_str();
  add->add_option("--comment,-c", options->comment,
                  "Why (shown by list and amtool; default: none)");
  add->add_option("--author,-a", options->author, "Who (default: $USER)");
  add_url(add);
  CLI::App* list = silence->add_subcommand("list", "List the active and pending silences");
  list->add_flag("--expired", options->expired, "Also the expired ones (default: no)");
  add_url(list);
  CLI::App* expire = silence->add_subcommand("expire", "End silences now");
  expire->add_option("id", options->ids, "Silence ids, as add and list print them")->required();
  add_url(expire);
  return silence;
}

int RunSilence(const CLI::App& silence_cmd, const ClientOptions& client,
               const SilenceOptions& options) {
  if (silence_cmd.got_subcommand("add")) return RunSilenceAdd(client, options);
  if (silence_cmd.got_subcommand("list")) return RunSilenceList(client, options);
  return RunSilenceExpire(client, options);
}

}  // namespace vigie::cli
