// What a log query shows of the lines ScanLines hands out: the first `limit` matches in output
// order, each with up to `before`/`after` lines of its own stream around it (grep -B/-A), and
// whether more lines matched than the limit let through.
//
// Thread safety: none; one per query, fed from the scan's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/block_scan.h"

namespace vigie::logql {

struct ShownLine {
  size_t stream_index;
  int64_t ts;
  std::string_view line;   // Valid during the call only.
  const LabelSet* labels;  // After the pipeline (ScannedLine::labels); null: the stream's.
  bool context;            // A line around a match, not a match.
  // Not adjacent to the last line shown of its stream (or the first of it): grep prints "--"
  // between such groups.
  bool group_start;
};
// Returns false to stop the query (the client went away).
using ShowFn = std::function<bool(const ShownLine& line)>;

class MatchWindow {
 public:
  struct Options {
    uint64_t limit = UINT64_MAX;     // Matches to show.
    uint32_t before = 0, after = 0;  // Context lines, in time order.
    bool forward = false;            // Output order: oldest first.
    // Once the limit is reached, look on for one more match to tell truncated(); this may scan
    // the rest of the range when there is none. Otherwise stop at the limit.
    bool find_more = false;
  };
  MatchWindow(size_t streams, const Options& options, ShowFn show);

  // Feeds the next line in output order. Returns false once the query can stop: `show` returned
  // false, or the limit is reached, one more match was seen and no trailing context is pending.
  bool Add(const ScannedLine& line);

  // True when a match was left out because of the limit (found only with find_more).
  bool truncated() const { return truncated_; }

 private:
  struct Held {
    int64_t ts;
    uint64_t position;
    std::string line;
  };
  struct Stream {
    std::deque<Held> held;  // Candidates to show before the next match, at most lead_.
    uint32_t trail_left = 0;
    std::optional<uint64_t> last_shown;
  };

  // True when `position` comes right after `previous` in output order.
  bool Follows(uint64_t previous, uint64_t position) const;
  bool Show(size_t stream, int64_t ts, uint64_t position, std::string_view line,
            const LabelSet* labels, bool context);
  void SetTrail(Stream& s, uint32_t n);

  std::vector<Stream> streams_;
  const uint64_t limit_;
  // Context in output order: lines shown before a match (lead) and after it (trail).
  const uint32_t lead_, trail_;
  const bool forward_, find_more_;
  ShowFn show_;
  uint64_t shown_matches_ = 0;
  size_t trailing_streams_ = 0;  // Streams with trail_left > 0.
  bool truncated_ = false;
};

}  // namespace vigie::logql
