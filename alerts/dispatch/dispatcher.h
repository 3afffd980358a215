// The dispatcher: Alertmanager's alert store, routing tree, aggregation groups and notification
// pipeline up to the outbox. Alerts come from the rules (AsNotifyFunc) and from POST
// /api/v2/alerts (Put); each goes to the routes it matches, into the group of its route and
// group_by values; each group is flushed after group_wait, then every group_interval; a flush
// drops the alerts muted by inhibition or silences (and the whole group outside its route's
// time intervals), asks the notification log whether anything changed or repeat_interval
// passed, and if so hands one Notification per group to the EnqueueFunc (the durable outbox).
// Timings follow Alertmanager 0.25's dispatch.go and DedupStage (docs/alerts.md, "Routing").
//
// Thread safety: all public methods may be called concurrently. The EnqueueFunc is called without
// the dispatcher's lock (an fsync'ed outbox write does not hold up Put, the API or a reload) and
// by one flush at a time, so that each group's notifications reach it in order; it may call
// back into the Dispatcher, except RunDue.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "alerts/alert.h"
#include "alerts/dispatch/clock.h"
#include "alerts/dispatch/config.h"
#include "alerts/dispatch/notification_log.h"
#include "alerts/dispatch/silences.h"
#include "store/records.h"

namespace vigie::alerts {

// Hands a notification to the outbox; OK means it is durably queued.
using EnqueueFunc = std::function<absl::Status(Notification)>;

struct DispatcherOptions {
  std::shared_ptr<const Config> config;   // Required.
  store::RecordStore* records = nullptr;  // The notification log; required, not owned.
  Silences* silences = nullptr;           // Required, not owned.
  EnqueueFunc enqueue;                    // Required.
  const Clock* clock = nullptr;           // Null: the system clock.
  std::string external_url;               // Put in each Notification.
};

// An alert as the API shows it.
struct AlertStatus {
  std::vector<std::string> silenced_by;   // Silence ids.
  std::vector<std::string> inhibited_by;  // Fingerprints of the inhibiting alerts, in hex.
  bool suppressed() const { return !silenced_by.empty() || !inhibited_by.empty(); }
};

struct AlertView {
  Alert alert;
  std::vector<std::string> receivers;  // Of the routes it matches, sorted.
  AlertStatus status;
};

struct GroupView {
  LabelSet labels;
  std::string receiver;
  std::vector<AlertView> alerts;
};

class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options);
  ~Dispatcher();  // Stops the timer thread if started.

  // Runs the groups' timers in a thread of its own until destruction. Without it (tests),
  // call RunDue() after moving a FakeClock.
  void Start();

  // Takes new, resent and resolved alerts. Alerts without ends_at get now + resolve_timeout
  // (and may be resolved by that timeout); without starts_at, now. Merges with the alert of the
  // same labels when their times overlap, as Alertmanager's store does.
  void Put(std::vector<Alert> alerts);
  // Put, as the rules' NotifyFunc.
  NotifyFunc AsNotifyFunc();

  // Flushes the groups whose timer is due; returns the next due time (Unix ms, INT64_MAX if
  // none). Calls run one at a time.
  int64_t RunDue();

  // Switches to `config`: groups are rebuilt from the alerts held, as Alertmanager does on
  // reload (the notification log keeps what was sent from being sent again).
  void ApplyConfig(std::shared_ptr<const Config> config);
  std::shared_ptr<const Config> config() const;

  // The alerts held and not resolved, with their receivers and status, by fingerprint.
  std::vector<AlertView> Alerts() const;
  // The aggregation groups with their alerts not resolved, sorted by labels then receiver.
  std::vector<GroupView> Groups() const;
  // The status an alert with these labels has now.
  AlertStatus StatusOf(const LabelSet& labels) const;

 private:
  struct Group {
    const Route* route = nullptr;
    LabelSet labels;
    std::string key;
    std::map<uint64_t, Alert> alerts;  // By fingerprint.
    int64_t next_flush_ms = 0;
    bool has_flushed = false;
  };
  using GroupId = std::pair<const Route*, LabelSet>;
  // A due group's alerts, taken under mu_ and notified without it.
  struct Flush {
    GroupId id;
    std::string key;
    std::vector<Alert> alerts;   // All of the group's, firing ones without an end.
    std::vector<Alert> unmuted;  // Those not inhibited, silenced or in a muted time.
  };

  // `fingerprint` is alert.Fingerprint(), which the caller has.
  void InsertLocked(const Route& route, uint64_t fingerprint, const Alert& alert, int64_t now_ms);
  Flush TakeFlushLocked(const GroupId& id, const Group& group, int64_t now_ms) const;
  // Enqueues the flush's unmuted alerts for its group, unless the notification log says nothing
  // changed, then records them in the log. Called without mu_; `config` is the one the group
  // was built from.
  absl::Status Notify(const Config& config, const Flush& flush, int64_t now_ms);
  // After a flush was notified: its resolved alerts leave the group unless updated since.
  void ForgetResolvedLocked(const Flush& flush, int64_t now_ms);
  AlertStatus StatusLocked(const LabelSet& labels, int64_t now_ms) const;
  std::vector<std::string> InhibitedByLocked(const LabelSet& labels, int64_t now_ms) const;
  void RunLoop();

  const Clock* clock_;
  std::unique_ptr<Clock> own_clock_;
  store::RecordStore* records_;
  Silences* silences_;
  EnqueueFunc enqueue_;
  std::string external_url_;
  NotificationLog nflog_;

  std::mutex flush_mu_;  // Held by RunDue: one flush at a time, taken before mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<const Config> config_;
  struct Held {
    Alert alert;
    bool timeout = false;  // ends_at was set by resolve_timeout, not by the sender.
  };
  std::map<uint64_t, Held> alerts_;  // By fingerprint.
  std::map<GroupId, Group> groups_;
  int64_t next_gc_ms_ = 0;
  bool stop_ = false;
  bool woken_ = false;  // Put or ApplyConfig changed the timers.
  std::thread thread_;
};

}  // namespace vigie::alerts
