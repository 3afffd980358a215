// An EntrySink that records what inputs hand it, for the inputs' unit tests.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "collector/entry_sink.h"

namespace vigie::collector::testing {

class RecordingSink : public EntrySink {
 public:
  struct Entry {
    std::map<std::string, std::string> labels;
    int64_t ts_ns;
    std::string line;
    bool has_cursor;
    FileCursor cursor;
  };

  void Add(const StreamRef& stream, int64_t ts_ns, std::string_view line,
           const FileCursor* cursor) override {
    std::lock_guard lock(mu_);
    Entry e{{}, ts_ns, std::string(line), cursor != nullptr, cursor ? *cursor : FileCursor()};
    for (const Label& l : stream->labels.labels()) e.labels[l.name] = l.value;
    entries_.push_back(std::move(e));
    if (cursor) cursors_.push_back(*cursor);
  }
  void AddCursor(const FileCursor& cursor) override {
    std::lock_guard lock(mu_);
    cursors_.push_back(cursor);
  }

  std::vector<Entry> entries() const {
    std::lock_guard lock(mu_);
    return entries_;
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const Entry& e : entries()) out.push_back(e.line);
    return out;
  }
  std::vector<FileCursor> cursors() const {
    std::lock_guard lock(mu_);
    return cursors_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
    cursors_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  std::vector<FileCursor> cursors_;  // Every cursor, with entries or alone, in order.
};

}  // namespace vigie::collector::testing
