#include "cli/deploy_commands.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "cli/table.h"
#include "cli/time_flags.h"
#include "common/strings.h"
#include "common/time.h"
#include "vigie/v1/deploys.grpc.pb.h"

namespace vigie::cli {
namespace {

constexpr const char* kRecordFooter =
    "Example, from a CI job:\n"
    "  vigie deploy --service front --version 67 --env prod \\\n"
    "    --author \"$(git log -1 --format=%an)\" --commit \"$(git rev-parse --short HEAD)\"\n"
    "Alerts of the service that begin within --deploys.correlation-window (vigied, default 30m)\n"
    "after the deploy name it. `vigie deploy list` shows the recorded ones.\n";

// Parses a time flag to Unix milliseconds; 0 when empty.
bool ParseMillis(std::string_view flag, std::string_view value, int64_t* ms) {
  int64_t ns = 0;
  if (!ParseTimeFlag(flag, value, 0, &ns)) return false;
  *ms = ns / kNanosPerMilli;
  return true;
}

// The first line of `text`, cut at `max` bytes (whole UTF-8 characters) with "...".
std::string Summary(std::string_view text, size_t max) {
  text = text.substr(0, text.find('\n'));
  if (text.size() <= max) return std::string(text);
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return StrCat(text.substr(0, cut), "...");
}

std::string Rollout(const v1::Deploy& d) {
  return d.has_end_ms() ? FormatDuration((d.end_ms() - d.time_ms()) * kNanosPerMilli) : "-";
}

void PrintDeploy(const v1::Deploy& d) {
  std::cout << "deploy " << d.id() << " recorded\n";
  std::string time = FormatRfc3339Millis(d.time_ms());
  std::string end = d.has_end_ms() ? FormatRfc3339Millis(d.end_ms()) : "";
  for (auto [name, value] : {std::pair<std::string_view, std::string_view>{"service", d.service()},
                             {"environment", d.environment()},
                             {"version", d.version()},
                             {"commit", d.commit()},
                             {"author", d.author()},
                             {"time", time},
                             {"end", end},
                             {"url", d.url()},
                             {"description", d.description()}}) {
    if (!value.empty())
      std::cout << "  " << name << std::string(13 - name.size(), ' ') << value << "\n";
  }
}

}  // namespace

DeployCommands::DeployCommands(
    CLI::App* app, ClientOptions* client,
    const std::function<void(CLI::App*, ClientOptions*)>& add_connection_flags) {
  record_cmd_ =
      app->add_subcommand("deploy", "Record a deploy event (vigie deploy list: show them)");
  CLI::App* r = record_cmd_;
  r->add_option("--service", record_.service,
                "The service deployed: what alerts name in their service (or job) label "
                "(required)");
  r->add_option("--env,--environment", record_.environment,
                "Environment, e.g. prod: alerts with an env or environment label only follow "
                "deploys to theirs (default: none)");
  r->add_option("--version", record_.version, "Version deployed, e.g. 67 (default: none)");
  r->add_option("--commit", record_.commit, "Commit deployed, e.g. 3f2c1ab (default: none)");
  r->add_option("--author", record_.author, "Who shipped it (default: none)");
  r->add_option("--description", record_.description, "What changed (default: none)");
  r->add_option("--url", record_.url, "Link to the pipeline or release (default: none)");
  r->add_option("--time", record_.time,
                "When it happened (a rollout: when it began): RFC 3339 or Unix time (default: "
                "now)");
  r->add_option("--end", record_.end,
                "A rollout's end: RFC 3339 or Unix time, at most 7d after --time (default: "
                "none, a point in time)");
  r->add_option("--timeout", record_.timeout, "Give up after this long (0: never)")
      ->capture_default_str();
  r->footer(kRecordFooter);
  add_connection_flags(r, client);

  list_cmd_ = r->add_subcommand("list", "A table of recorded deploys, newest first");
  CLI::App* l = list_cmd_;
  l->footer("Example: vigie deploy list --since 24h --service front\n");
  l->add_option("--since", list_.since, "How far back from --to, e.g. 24h, 7d")
      ->capture_default_str();
  l->add_option("--from", list_.from,
                "Start: RFC 3339 or Unix time; overrides --since (default: --to minus --since)");
  l->add_option("--to", list_.to, "End: RFC 3339 or Unix time (default: now)");
  l->add_option("--service", list_.service, "Only this service's deploys (default: all)");
  l->add_option("--env,--environment", list_.environment,
                "Only deploys to this environment (default: all)");
  l->add_option("--version", list_.version, "Only this version (default: all)");
  l->add_option("--commit", list_.commit, "Only this commit (default: all)");
  l->add_option("--author", list_.author, "Only this author's deploys (default: all)");
  l->add_option("--limit", list_.limit, "Most deploys shown, the newest")->capture_default_str();
  l->add_option("--timeout", list_.timeout, "Give up after this long (0: never)")
      ->capture_default_str();
  add_connection_flags(l, client);
}

int DeployCommands::Run(const ClientOptions& client) const {
  return *list_cmd_ ? List(client) : Record(client);
}

int DeployCommands::Record(const ClientOptions& client) const {
  if (record_.service.empty()) {
    std::cerr << "vigie deploy: --service is required (the service that was deployed); to see "
                 "recorded deploys: vigie deploy list\n";
    return kExitUsage;
  }
  v1::RecordDeployRequest request;
  v1::Deploy* d = request.mutable_deploy();
  d->set_service(record_.service);
  d->set_environment(record_.environment);
  d->set_version(record_.version);
  d->set_commit(record_.commit);
  d->set_author(record_.author);
  d->set_description(record_.description);
  d->set_url(record_.url);
  int64_t time_ms = 0, end_ms = 0, timeout = 0;
  if (!ParseMillis("--time", record_.time, &time_ms) ||
      !ParseMillis("--end", record_.end, &end_ms) ||
      (record_.timeout != "0" && !ParseDurationFlag("--timeout", record_.timeout, &timeout))) {
    return kExitUsage;
  }
  d->set_time_ms(time_ms);
  if (!record_.end.empty()) d->set_end_ms(end_ms);
  auto stub = v1::Deploys::NewStub(Connect(client));
  v1::RecordDeployResponse response;
  if (int code = CallUnary(client, timeout,
                           [&](grpc::ClientContext* context) {
                             return stub->RecordDeploy(context, request, &response);
                           });
      code != kExitOk) {
    return code;
  }
  PrintDeploy(response.deploy());
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

int DeployCommands::List(const ClientOptions& client) const {
  int64_t since = 0, to_ns = 0, from_ns = 0, timeout = 0;
  int64_t now = NowNanos();
  if (!ParseDurationFlag("--since", list_.since, &since) ||
      !ParseTimeFlag("--to", list_.to, now, &to_ns) ||
      !ParseTimeFlag("--from", list_.from, to_ns - since, &from_ns) ||
      (list_.timeout != "0" && !ParseDurationFlag("--timeout", list_.timeout, &timeout))) {
    return kExitUsage;
  }
  if (to_ns < from_ns) {
    std::cerr << "vigie deploy list: --from is after --to: give a start before the end\n";
    return kExitUsage;
  }
  v1::ListDeploysRequest request;
  request.set_start_ms(from_ns / kNanosPerMilli);
  request.set_end_ms(to_ns / kNanosPerMilli);
  request.set_service(list_.service);
  request.set_environment(list_.environment);
  request.set_version(list_.version);
  request.set_commit(list_.commit);
  request.set_author(list_.author);
  request.set_limit(list_.limit);
  auto stub = v1::Deploys::NewStub(Connect(client));
  v1::ListDeploysResponse response;
  if (int code = CallUnary(client, timeout,
                           [&](grpc::ClientContext* context) {
                             return stub->ListDeploys(context, request, &response);
                           });
      code != kExitOk) {
    return code;
  }
  if (response.deploys().empty()) {
    std::cerr << "vigie: no deploys recorded in that range"
              << (list_.service.empty() ? "" : " for service " + list_.service) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "SERVICE", "ENV", "VERSION", "COMMIT", "AUTHOR", "ROLLOUT", "ID", "DESCRIPTION"}};
  for (const v1::Deploy& d : response.deploys()) {
    auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
    rows.push_back({FormatRfc3339Millis(d.time_ms()), d.service(), or_dash(d.environment()),
                    or_dash(d.version()), or_dash(d.commit()), or_dash(d.author()), Rollout(d),
                    d.id(), Summary(d.description(), 60)});
  }
  PrintTable(rows, std::cout);
  if (list_.limit > 0 && static_cast<uint32_t>(response.deploys().size()) == list_.limit) {
    std::cerr << "vigie: showing the newest " << list_.limit << "; --limit shows more\n";
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

}  // namespace vigie::cli
