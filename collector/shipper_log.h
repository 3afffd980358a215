// The collector's ShipperEvents: logs what happens to the push stream, named by gRPC status
// (UNAVAILABLE, not 14), and rate-limited so that a long outage or a bad label cannot flood the
// log:
// - a refused token (UNAUTHENTICATED, PERMISSION_DENIED) at most once a minute, saying where
//   the token is set;
// - other stream errors when they change, or once a minute while they last;
// - entries vigied rejected at most once every 10 s (all are counted in the metrics).
//
// Thread safety: the shipper calls it one event at a time.
#pragma once

#include <chrono>
#include <string>

#include "collector/shipper.h"

namespace vigie::collector {

class ShipperLog final : public ShipperEvents {
 public:
  explicit ShipperLog(std::string server) : server_(std::move(server)) {}

  void OnAck(const v1::PushAck& ack) override;
  void OnStreamFailed(const StreamFailure& failure) override;
  void OnRecovered() override;

 private:
  using Clock = std::chrono::steady_clock;
  const std::string server_;
  std::string last_error_;  // Empty while the stream works.
  Clock::time_point last_error_log_;
  Clock::time_point last_reject_log_;
};

}  // namespace vigie::collector
