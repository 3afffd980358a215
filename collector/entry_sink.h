// Where inputs hand their entries: the batcher, or a recorder in tests.
#pragma once

#include <cstdint>
#include <string_view>

#include "collector/cursor.h"
#include "collector/push_builder.h"

namespace vigie::collector {

class EntrySink {
 public:
  virtual ~EntrySink() = default;
  // One entry of `stream`. `cursor`, when set, is where its file resumes once this entry is
  // stored. May block (back-pressure). Thread-safe.
  virtual void Add(const StreamRef& stream, int64_t ts_ns, std::string_view line,
                   const FileCursor* cursor) = 0;
  // A file position that comes with no entry.
  virtual void AddCursor(const FileCursor& cursor) = 0;
};

}  // namespace vigie::collector
