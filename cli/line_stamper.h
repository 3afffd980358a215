// The time of each line vigie push sends: parsed from the line's start with --time-format, or
// the time it is read.
//
// Thread safety: none; used by the reading thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigie::cli {

class LineStamper {
 public:
  // `time_format`: a strptime format, "rfc3339", or empty for the read time.
  explicit LineStamper(std::string time_format) : format_(std::move(time_format)) {}

  // The time of `line`: parsed from its start with --time-format (an optional '[' skipped), or
  // the time it was read. Read times strictly increase so that lines keep their order.
  int64_t Stamp(std::string_view line);
  // Lines whose start did not match the format (they got their read time).
  uint64_t unparsed() const { return unparsed_; }

 private:
  std::optional<int64_t> Parse(std::string_view line);

  std::string format_;
  int64_t last_ = 0;
  uint64_t unparsed_ = 0;
};

}  // namespace vigie::cli
