// vigied: the composition root. Everything else in server/ is wired together here and only here.
#include <grpcpp/grpcpp.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "alerts/deploys/deploy_lookup.h"
#include "alerts/dispatch/service.h"
#include "alerts/notify/forwarder.h"
#include "alerts/notify/outbox.h"
#include "alerts/rules/manager.h"
#include "common/strings.h"
#include "common/time.h"
#include "query/logql/engine.h"
#include "server/config.h"
#include "server/deploy_log.h"
#include "server/grpc_deploy_service.h"
#include "server/grpc_ingest_service.h"
#include "server/grpc_query_service.h"
#include "server/http/alertmanager_api.h"
#include "server/http/anomaly_api.h"
#include "server/http/dashboards_api.h"
#include "server/http/deploys_api.h"
#include "server/http/notify_api.h"
#include "server/http/rules_api.h"
#include "server/http/web_assets.h"
#include "server/http_server.h"
#include "server/otlp/grpc_services.h"
#include "server/otlp/http_endpoints.h"
#include "server/rules_wiring.h"
#include "server/self_metrics.h"

namespace vigie::server {
namespace {

// Retention, small-block merging and returning free heap pages to the kernel, until stopped.
class Maintenance {
 public:
  Maintenance(store::Store* store, alerts::deploys::DeployStore* deploys, int64_t retention_ns)
      : store_(store), deploys_(deploys), retention_ns_(retention_ns) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Maintenance() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    int64_t next_retention = 0;
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      if (retention_ns_ > 0 && NowNanos() >= next_retention) {
        int64_t cutoff_ns = NowNanos() - retention_ns_;
        auto dropped = store_->DropPartitionsBefore(cutoff_ns);
        if (!dropped.ok()) {
          spdlog::error("retention: {}", dropped.status().message());
        } else if (*dropped > 0) {
          spdlog::info("retention: dropped {} partition(s) older than {}", *dropped,
                       FormatDuration(retention_ns_));
        }
        if (absl::Status st = deploys_->DropBefore(cutoff_ns / kNanosPerMilli); !st.ok()) {
          spdlog::error("retention of deploys: {}", st.message());
        }
        next_retention = NowNanos() + 3600 * kNanosPerSecond;
      }
      if (auto merged = store_->CompactSmallBlocks(); !merged.ok()) {
        spdlog::error("merging small blocks: {}", merged.status().message());
      }
      // Ingest frees its per-request buffers from several threads' arenas; glibc keeps the free
      // pages inside an arena until asked (docs/operations.md, "Memory").
      malloc_trim(0);
      lock.lock();
      cv_.wait_for(lock, std::chrono::seconds(10), [&] { return stop_; });
    }
  }

  store::Store* store_;
  alerts::deploys::DeployStore* deploys_;
  int64_t retention_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::string HostOf(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

// --web.external-url, else how this machine is reached on the bound HTTP port: a wildcard
// listen address means the host name, as Prometheus's default external URL does.
std::string ExternalUrl(const ServerConfig& config, int http_port) {
  if (!config.external_url.empty()) return config.external_url;
  std::string host = HostOf(config.http_listen);
  if (host.empty() || host == "0.0.0.0" || host == "[::]") {
    char name[256] = {};
    host = gethostname(name, sizeof(name) - 1) == 0 ? name : "localhost";
  }
  return StrCat(config.tls.enabled() ? "https://" : "http://", host, ":", http_port);
}

std::shared_ptr<grpc::ServerCredentials> GrpcCredentials(const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({read(tls.key_file), read(tls.cert_file)});
  return grpc::SslServerCredentials(options);
}

int Run(int argc, char** argv) {
  auto config = ParseServerConfig(argc, argv);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) {
      std::cout << config.status().message();
      return 0;
    }
    std::cerr << "vigied: " << config.status().message() << "\n";
    return 2;
  }
  if (absl::Status st = CheckExposure(*config); !st.ok()) {
    std::cerr << "vigied: " << st.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));

  // Signals are taken by sigwait below, in this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // Reloads the rule files.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  store::StoreOptions store_options;
  store_options.path = config->data_dir;
  store_options.partition_ns = config->partition_ns;
  store_options.out_of_order_window_ms = config->out_of_order_window_ns / 1'000'000;
  auto store = store::Store::Open(store_options);
  if (!store.ok()) {
    std::cerr << "vigied: " << store.status().message() << "\n";
    return 1;
  }
  logql::Engine engine(store->get(), config->limits, config->query_threads);
  TailHub tails;
  ServerMetrics metrics(store->get());
  Ingester ingester(store->get(), &tails, &metrics, config->limits);
  MetadataRegistry metadata;
  Authorizer auth(config->tokens);
  alerts::deploys::DeployStoreOptions deploy_options;
  deploy_options.retention_ms = config->retention_ns / kNanosPerMilli;
  deploy_options.on_recorded = DeployLogWriter(&ingester);  // Grafana's annotations.
  alerts::deploys::DeployStore deploys(store->get(), std::move(deploy_options));
  // What the rule engine calls when an alert becomes active.
  alerts::DeployLookup deploy_lookup = alerts::deploys::MakeDeployLookup(&deploys, config->deploys);
  Maintenance maintenance(store->get(), &deploys, config->retention_ns);

  // Request buffers of 256 KiB and more get mappings of their own, unmapped when freed (glibc
  // would otherwise raise this threshold as they are freed and keep them in its arenas), and
  // what smaller allocations leave free is handed back after each burst of requests.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  RequestBudget request_budget(config->limits.max_inflight_request_bytes, [] { malloc_trim(0); });
  IngestService ingest_service(&ingester, &auth, config->limits, &request_budget, &metadata);
  PromQueries prom(store->get(), config->promql);
  // Notifications: the durable outbox sends again what the previous run left unacknowledged;
  // the notify file's loader gives it its receivers (Outbox::SetReceivers).
  alerts::notify::OutboxMetrics notify_metrics(metrics.registry());
  std::unique_ptr<alerts::notify::HttpSender> http_sender = alerts::notify::NewCurlSender();
  alerts::notify::Outbox outbox(store->get(), http_sender.get(), &notify_metrics, {});
  if (absl::Status st = outbox.Load(); !st.ok()) {
    std::cerr << "vigied: reading the notification outbox: " << st.message() << "\n";
    return 1;
  }
  outbox.Start();
  // External Alertmanagers (--alertmanager.url) get the rules' alerts too.
  std::optional<alerts::notify::AlertmanagerForwarder> forwarder;
  if (!config->alertmanager_urls.empty()) {
    forwarder.emplace(config->alertmanager_urls, http_sender.get(), &notify_metrics);
  }

  // Routing, grouping, silences and inhibition (--notify), into the outbox; each (re)load of
  // the file gives the outbox its receivers, or is refused everywhere. The rules' alerts go to
  // dispatch->notify(); dispatch->Reload() on SIGHUP and POST /-/reload.
  alerts::DispatchServiceOptions dispatch_options;
  dispatch_options.notify_file = config->notify_file;
  dispatch_options.records = store->get();
  dispatch_options.enqueue = [&outbox](alerts::Notification n) { return outbox.Enqueue(n); };
  // Bound now, served once the endpoints exist: the links in alerts and notifications name the
  // port bound.
  auto http = BindHttpServer(config->http_listen, config->tls);
  if (!http.ok()) {
    std::cerr << "vigied: " << http.status().message() << "\n";
    return 1;
  }
  const std::string external_url = ExternalUrl(*config, (*http)->port());
  dispatch_options.external_url = external_url;
  dispatch_options.preparers.push_back(
      [&outbox](const alerts::Config& c) -> absl::StatusOr<std::function<void()>> {
        auto receivers = alerts::notify::BuildReceivers(c.receivers_node, c.global, c.file);
        if (!receivers.ok()) return receivers.status();
        for (const std::string& warning : receivers->warnings) spdlog::warn("{}", warning);
        auto shared = std::make_shared<const alerts::notify::Receivers>(*std::move(receivers));
        return std::function<void()>([&outbox, shared] { outbox.SetReceivers(shared); });
      });
  auto dispatch = alerts::DispatchService::Start(std::move(dispatch_options));
  if (!dispatch.ok()) {
    std::cerr << "vigied: " << dispatch.status().message() << "\n";
    return 1;
  }

  // Rules (alerts/rules): each group on its own thread, through the seams wired here.
  alerts::rules::RuleMetrics rule_metrics(&metrics.registry());
  alerts::rules::AlertStateStore alert_state(store->get());
  alerts::rules::GroupEnv rule_env;
  rule_env.query = RuleQueryFunc(&prom, &engine);
  rule_env.append = RuleAppendFunc(&ingester);
  rule_env.range_query = RuleRangeQueryFunc(&prom, &engine);
  rule_env.notify = [&forwarder, service = dispatch->get()](std::vector<alerts::Alert> alerts) {
    if (forwarder) forwarder->Notify(alerts);
    service->notify()(std::move(alerts));
  };
  rule_env.state = &alert_state;
  rule_env.metrics = &rule_metrics;
  rule_env.default_interval_ms = config->rules_evaluation_interval_ns / 1'000'000;
  rule_env.resend_delay_ms = config->rules_resend_delay_ns / 1'000'000;
  rule_env.alerts.deploys = deploy_lookup;
  rule_env.alerts.external_url = external_url;
  alerts::rules::RuleManager rules(std::move(rule_env), config->rule_files, config->limits);
  if (absl::Status st = rules.Reload(); !st.ok()) {
    std::cerr << "vigied: rule files refused:\n" << st.message() << "\n";
    return 2;
  }
  auto reload = [&rules, service = dispatch->get()] {
    absl::Status st = rules.Reload();
    if (st.ok()) {
      spdlog::info("rules: reloaded, {} rule(s)", rules.RuleCount());
    } else {
      spdlog::error("rules: reload refused, the running rules go on:\n{}", st.message());
    }
    absl::Status notify = service->Reload();  // Logs its own outcome.
    return st.ok() ? notify : st;
  };
  QueryService query_service(&engine, store->get(), &tails, &metrics, &auth, &prom);
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(config->grpc_listen, GrpcCredentials(config->tls), &grpc_port);
  builder.RegisterService(&ingest_service);
  builder.RegisterService(&query_service);
  DeployService deploy_service(&deploys, &auth);
  builder.RegisterService(&deploy_service);
  // OTLP (server/otlp/): Export of metrics and logs on the gRPC port, and over HTTP below.
  otlp::Receiver otlp_receiver(&ingester, &metadata, config->limits.stream_idle_ns);
  otlp::MetricsGrpcService otlp_metrics_service({&otlp_receiver, &auth, &request_budget});
  otlp::LogsGrpcService otlp_logs_service({&otlp_receiver, &auth, &request_budget});
  builder.RegisterService(&otlp_metrics_service);
  builder.RegisterService(&otlp_logs_service);
  builder.SetMaxReceiveMessageSize(MaxPushMessageBytes(config->limits));
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (!grpc_server || grpc_port == 0) {
    std::cerr << "vigied: cannot listen for gRPC on " << config->grpc_listen
              << ": is the port in use? pick another with --grpc-listen\n";
    return 1;
  }

  std::atomic<bool> ready{false};
  HttpDeps deps{.engine = &engine,
                .querier = store->get(),
                .ingester = &ingester,
                .tails = &tails,
                .metrics = &metrics,
                .auth = &auth,
                .limits = config->limits,
                .ready = [&ready] { return ready.load(); },
                .budget = &request_budget,
                .prom = &prom,
                .metadata = &metadata,
                .web_assets = http::EmbeddedWebAssets()};
  DashboardLibrary dashboards(deps.web_assets, config->dashboards_dir);
  std::ranges::move(DashboardEndpoints(&dashboards), std::back_inserter(deps.endpoints));
  std::ranges::move(DeployEndpoints(&deploys), std::back_inserter(deps.endpoints));
  std::ranges::move(http::RulesEndpoints({[&rules] { return rules.Groups(); }, reload}),
                    std::back_inserter(deps.endpoints));
  std::ranges::move(NotifyEndpoints(&outbox), std::back_inserter(deps.endpoints));
  std::ranges::move(
      http::AnomalyEndpoints([&rules](auto&&... args) { return rules.Backfill(args...); }),
      std::back_inserter(deps.endpoints));
  std::ranges::move(AlertmanagerEndpoints({dispatch->get(), "vigie"}),
                    std::back_inserter(deps.endpoints));
  std::vector<HttpEndpoint> otlp_endpoints =
      otlp::HttpEndpoints(&otlp_receiver, &auth, config->limits);
  deps.endpoints.insert(deps.endpoints.end(), otlp_endpoints.begin(), otlp_endpoints.end());
  // OTLP/HTTP's own port serves only its endpoints. The default one is optional: another OTLP
  // receiver (a collector) may hold it, and vigied then starts without it.
  std::unique_ptr<HttpServer> otlp_http;
  if (config->otlp_http_listen != "off") {
    const bool by_default = config->otlp_http_listen.empty();
    const std::string listen = by_default ? kDefaultOtlpHttpListen : config->otlp_http_listen;
    auto bound = BindHttpServer(listen, config->tls);
    if (bound.ok()) {
      otlp_http = *std::move(bound);
      HttpDeps otlp_deps = deps;
      otlp_deps.endpoints = std::move(otlp_endpoints);
      otlp_deps.endpoints_only = true;
      otlp_http->Serve(std::move(otlp_deps));
    } else if (by_default) {
      spdlog::warn(
          "OTLP/HTTP is not on {} ({}), only on the HTTP port; choose another port with "
          "--otlp-http-listen",
          listen, bound.status().message());
    } else {
      std::cerr << "vigied: " << bound.status().message() << "\n";
      return 1;
    }
  }
  (*http)->Serve(std::move(deps));
  std::string grpc_address = StrCat(HostOf(config->grpc_listen), ":", grpc_port);
  std::string http_address = StrCat(HostOf(config->http_listen), ":", (*http)->port());
  std::string otlp_http_address =
      otlp_http ? StrCat(HostOf(config->otlp_http_listen.empty() ? kDefaultOtlpHttpListen
                                                                 : config->otlp_http_listen),
                         ":", otlp_http->port())
                : "";
  if (!config->ready_file.empty()) {
    std::string tmp = config->ready_file + ".tmp";
    std::ofstream(tmp) << StrCat(R"({"grpc":")", grpc_address, R"(","http":")", http_address,
                                 R"(","otlp_http":")", otlp_http_address, "\"}\n");
    std::rename(tmp.c_str(), config->ready_file.c_str());
  }
  std::optional<SelfMetrics> self_metrics;
  if (config->self_metrics_interval_ns > 0) {
    self_metrics.emplace(&metrics, &ingester, &metadata, http_address,
                         config->self_metrics_interval_ns);
  }
  ready = true;
  spdlog::info("vigied ready: data in {}, gRPC on {}, HTTP on {}{}{}", config->data_dir,
               grpc_address, http_address,
               otlp_http ? StrCat(", OTLP/HTTP on ", otlp_http_address) : "",
               auth.enabled() ? " (tokens required)" : "");

  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) reload().IgnoreError();  // Logged.
  rules.Stop();
  spdlog::info("vigied: stopping on signal {}", sig);
  ready = false;
  (*store)->StopMaintenance();  // A merge of small blocks would otherwise run to its end.
  (*http)->Stop();
  if (otlp_http) otlp_http->Stop();
  query_service.Stop();  // Tails end at once instead of holding the shutdown.
  grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace
}  // namespace vigie::server

int main(int argc, char** argv) { return vigie::server::Run(argc, argv); }
