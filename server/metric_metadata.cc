#include "server/metric_metadata.h"

#include <algorithm>

#include "common/utf8.h"

namespace vigie::server {

namespace {

// `text` cut to at most `max` bytes, not inside a UTF-8 character.
void Truncate(std::string& text, size_t max) {
  if (text.size() <= max) return;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
}

}  // namespace

MetadataRegistry::MetadataRegistry(size_t max_metrics)
    : max_metrics_(std::max<size_t>(max_metrics, 1)) {}

void MetadataRegistry::Set(std::string_view metric, MetricMetadata metadata) {
  if (metric.empty() || !IsValidUtf8(metric) || !IsValidUtf8(metadata.type) ||
      !IsValidUtf8(metadata.help) || !IsValidUtf8(metadata.unit)) {
    return;
  }
  Truncate(metadata.help, kMaxTextBytes);
  Truncate(metadata.unit, kMaxTextBytes);
  Truncate(metadata.type, kMaxTextBytes);
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(metric));
  if (it != entries_.end()) {
    it->second.metadata = std::move(metadata);
    recency_.splice(recency_.begin(), recency_, it->second.age);
    return;
  }
  if (entries_.size() >= max_metrics_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.emplace_front(metric);
  entries_.emplace(std::string(metric), Entry{std::move(metadata), recency_.begin()});
}

std::vector<std::pair<std::string, MetricMetadata>> MetadataRegistry::List(std::string_view metric,
                                                                           size_t limit) const {
  std::vector<std::pair<std::string, MetricMetadata>> out;
  {
    std::lock_guard lock(mu_);
    if (!metric.empty()) {
      auto it = entries_.find(std::string(metric));
      if (it != entries_.end()) out.emplace_back(it->first, it->second.metadata);
    } else {
      out.reserve(entries_.size());
      for (const auto& [name, entry] : entries_) out.emplace_back(name, entry.metadata);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace vigie::server
