#include <map>
#include <mutex>

#include "store/records.h"

namespace vigie::store {
namespace {

class MemRecordStore final : public RecordStore {
 public:
  absl::Status WriteRecords(std::span<const RecordWrite> writes) override {
    std::lock_guard lock(mu_);
    for (const RecordWrite& w : writes) {
      auto& space = spaces_[static_cast<int>(w.space)];
      if (w.value) {
        space[w.key] = *w.value;
      } else {
        space.erase(w.key);
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> GetRecord(RecordSpace space,
                                                       std::string_view key) const override {
    std::lock_guard lock(mu_);
    const auto& records = spaces_[static_cast<int>(space)];
    auto it = records.find(std::string(key));
    if (it == records.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  absl::Status ScanRecords(RecordSpace space, std::string_view from, std::string_view to,
                           const RecordVisitor& visit) const override {
    // A copy, so that `visit` may write to the store.
    std::map<std::string, std::string, std::less<>> records;
    {
      std::lock_guard lock(mu_);
      const auto& all = spaces_[static_cast<int>(space)];
      auto end = to.empty() ? all.end() : all.lower_bound(to);
      records.insert(all.lower_bound(from), end);
    }
    for (const auto& [key, value] : records) {
      if (!visit(key, value)) break;
    }
    return absl::OkStatus();
  }

  absl::Status DeleteRecordRange(RecordSpace space, std::string_view from,
                                 std::string_view to) override {
    std::lock_guard lock(mu_);
    auto& records = spaces_[static_cast<int>(space)];
    records.erase(records.lower_bound(from), records.lower_bound(to));
    return absl::OkStatus();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> spaces_[4];
};

}  // namespace

std::unique_ptr<RecordStore> NewMemRecordStore() { return std::make_unique<MemRecordStore>(); }

}  // namespace vigie::store
