#include "server/deploy_log.h"

#include <spdlog/spdlog.h>

#include "common/time.h"
#include "server/logfmt_pair.h"

namespace vigie::server {

std::string DeployLogLine(const alerts::Deploy& d) {
  std::string end = d.end_ms ? FormatRfc3339Millis(*d.end_ms) : "";
  std::string line;
  for (auto [key, value] : {std::pair<std::string_view, std::string_view>{"service", d.service},
                            {"environment", d.environment},
                            {"version", d.version},
                            {"commit", d.commit},
                            {"author", d.author},
                            {"description", d.description},
                            {"url", d.url},
                            {"end", end},
                            {"id", d.id}}) {
    if (value.empty()) continue;
    AppendLogfmtPair(&line, key, value);
  }
  return line;
}

std::function<void(const alerts::Deploy&)> DeployLogWriter(Ingester* ingester) {
  return [ingester](const alerts::Deploy& deploy) {
    ReceivedStream stream;
    std::vector<Label> labels = {{"job", "vigie-deploys"}, {"deploy_service", deploy.service}};
    if (!deploy.environment.empty()) labels.push_back({"deploy_environment", deploy.environment});
    stream.labels = std::move(labels);
    stream.entries.push_back({deploy.time_ms * kNanosPerMilli, DeployLogLine(deploy)});
    ReceivedBatch batch;
    batch.protocol = "deploys";
    batch.sender = "deploys";
    batch.sender_name = "vigied's deploy events";
    batch.streams.push_back(std::move(stream));
    absl::StatusOr<IngestOutcome> outcome = ingester->Ingest(std::move(batch));
    if (!outcome.ok() || outcome->rejected > 0) {
      spdlog::warn(
          "deploys: deploy {} of {} is recorded, but not in the vigie-deploys log stream "
          "(Grafana's annotations): {}",
          deploy.id, deploy.service,
          outcome.ok() ? outcome->reason : std::string(outcome.status().message()));
    }
  };
}

}  // namespace vigie::server
