// Running totals of OTLP delta-temporality points, so that delta sums and histograms are stored
// as the cumulative series Prometheus expects (a counter that rate() and increase() read).
//
// Totals live in memory (docs/otlp.md, "Delta temporality"): after a restart of vigied, or when
// a series sends nothing for `idle_ns`, its total starts again from the next delta, which PromQL
// reads as a counter reset. A request's additions are applied only when it is committed, after
// its samples are stored: a request refused or failed adds nothing, so that its retry is not
// counted twice.
//
// Thread safety: all methods may be called concurrently. An Update holds the totals' lock from
// Begin() until it is committed or destroyed: delta requests are stored one at a time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vigie::server::otlp {

class DeltaTotals {
 public:
  explicit DeltaTotals(int64_t idle_ns) : idle_ns_(idle_ns) {}

  // The additions of one request.
  class Update {
   public:
    Update(Update&&) = default;
    // The total of `series` (any key that identifies it, e.g. its canonical labels) with `delta`
    // added, counting what this update already added to it.
    double Add(const std::string& series, double delta);
    // Keeps the additions, at time `now_ns` (for idle expiry). Once only.
    void Commit(int64_t now_ns);

   private:
    friend class DeltaTotals;
    explicit Update(DeltaTotals* totals) : totals_(totals), lock_(totals->mu_) {}
    DeltaTotals* totals_;
    std::unique_lock<std::mutex> lock_;
    std::unordered_map<std::string, double> pending_;
  };

  Update Begin() { return Update(this); }

  // How many series have a total (for tests and /metrics).
  size_t size() const;

 private:
  struct Total {
    double value = 0;
    int64_t updated_ns = 0;
  };
  // Drops the totals not updated since now_ns - idle_ns_, at most once per idle_ns_ / 4.
  void ExpireLocked(int64_t now_ns);

  const int64_t idle_ns_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Total> totals_;  // Guarded by mu_.
  int64_t next_expiry_ns_ = 0;                     // Guarded by mu_.
};

}  // namespace vigie::server::otlp
