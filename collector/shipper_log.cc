#include "collector/shipper_log.h"

#include <spdlog/spdlog.h>

namespace vigie::collector {

void ShipperLog::OnAck(const v1::PushAck& ack) {
  if (ack.rejected() == 0) return;
  auto now = Clock::now();
  if (now - last_reject_log_ < std::chrono::seconds(10)) return;
  last_reject_log_ = now;
  spdlog::warn(
      "vigied refused {} log entries and {} metric samples of batch {}: {} (see "
      "vigie_collector_entries_rejected_total and vigie_collector_samples_rejected_total)",
      ack.rejected() - ack.samples_rejected(), ack.samples_rejected(), ack.seq(), ack.reason());
}

void ShipperLog::OnStreamFailed(const StreamFailure& failure) {
  std::string error = DescribeStatus(failure.status);
  auto now = Clock::now();
  bool auth = failure.status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
              failure.status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
  // An auth error repeats on every retry: once a minute is enough, even if its text varies.
  bool again = auth ? last_error_.starts_with("UNAUTHENTICATED") ||
                          last_error_.starts_with("PERMISSION_DENIED")
                    : error == last_error_;
  if (again && now - last_error_log_ < std::chrono::minutes(1)) return;
  last_error_ = error;
  last_error_log_ = now;
  if (auth) {
    spdlog::error(
        "vigied at {} refused the collector's token ({}): give a token with the ingest scope "
        "(`token:` in the config file, --token or $VIGIE_TOKEN) that vigied's --token-file "
        "lists; retrying",
        server_, error);
  } else {
    spdlog::warn("push stream to {} ended: {}; reconnecting with backoff", server_, error);
  }
}

void ShipperLog::OnRecovered() {
  spdlog::info("push stream to {} is working again", server_);
  last_error_.clear();
}

}  // namespace vigie::collector
