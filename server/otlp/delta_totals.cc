#include "server/otlp/delta_totals.h"

namespace vigie::server::otlp {

double DeltaTotals::Update::Add(const std::string& series, double delta) {
  auto [it, inserted] = pending_.try_emplace(series, 0.0);
  if (inserted) {
    auto stored = totals_->totals_.find(series);
    if (stored != totals_->totals_.end()) it->second = stored->second.value;
  }
  it->second += delta;
  return it->second;
}

void DeltaTotals::Update::Commit(int64_t now_ns) {
  totals_->ExpireLocked(now_ns);
  for (auto& [series, value] : pending_) totals_->totals_[series] = {value, now_ns};
  pending_.clear();
  lock_.unlock();
}

size_t DeltaTotals::size() const {
  std::lock_guard lock(mu_);
  return totals_.size();
}

void DeltaTotals::ExpireLocked(int64_t now_ns) {
  if (now_ns < next_expiry_ns_) return;
  next_expiry_ns_ = now_ns + idle_ns_ / 4;
  std::erase_if(totals_,
                [&](const auto& entry) { return entry.second.updated_ns < now_ns - idle_ns_; });
}

}  // namespace vigie::server::otlp
