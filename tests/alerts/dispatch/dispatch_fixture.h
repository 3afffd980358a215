// A dispatcher on fake time over an in-memory record store, recording what it enqueues.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerts/dispatch/dispatcher.h"

namespace vigie::alerts {

inline constexpr int64_t kStart = 1'700'000'000'000;  // Fake Unix ms.

class DispatchFixture : public ::testing::Test {
 protected:
  void Load(const std::string& yaml) {
    auto config = ParseConfig(yaml, "notify.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    if (dispatcher_) {
      dispatcher_->ApplyConfig(config_);
    } else {
      Restart();
    }
  }
  // A new dispatcher and silences over the same records: what vigied does when restarted.
  void Restart() {
    dispatcher_.reset();
    auto silences = Silences::Open(records_.get(), &clock_);
    ASSERT_TRUE(silences.ok()) << silences.status();
    silences_ = *std::move(silences);
    DispatcherOptions options;
    options.config = config_;
    options.records = records_.get();
    options.silences = silences_.get();
    options.clock = &clock_;
    options.enqueue = [this](Notification n) {
      if (!enqueue_error_.ok()) return enqueue_error_;
      if (on_enqueue_) on_enqueue_(n);
      sent_.push_back(std::move(n));
      return absl::OkStatus();
    };
    dispatcher_ = std::make_unique<Dispatcher>(std::move(options));
  }
  // Moves the fake clock to `kStart + offset_ms`, running every timer due on the way at its
  // time.
  void RunUntil(int64_t offset_ms) {
    int64_t target = kStart + offset_ms;
    for (int64_t next = dispatcher_->RunDue(); next <= target; next = dispatcher_->RunDue()) {
      clock_.Set(std::max(next, clock_.NowMs()));
    }
    clock_.Set(target);
    dispatcher_->RunDue();
  }
  static Alert Firing(std::vector<Label> labels, int64_t starts_offset_ms = 0) {
    Alert a;
    a.labels = *LabelSet::Make(std::move(labels));
    a.starts_at_ms = kStart + starts_offset_ms;
    a.ends_at_ms = kStart + 86'400'000;  // As a rule sends a firing alert: an end ahead.
    return a;
  }
  void Put(std::vector<Alert> alerts) { dispatcher_->Put(std::move(alerts)); }
  int64_t Now() const { return clock_.NowMs(); }

  FakeClock clock_{kStart};
  std::unique_ptr<store::RecordStore> records_ = store::NewMemRecordStore();
  std::shared_ptr<const Config> config_;
  std::unique_ptr<Silences> silences_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<Notification> sent_;
  absl::Status enqueue_error_;
  std::function<void(const Notification&)> on_enqueue_;  // Runs in the flushing thread.
};

}  // namespace vigie::alerts
