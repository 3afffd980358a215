// `vigie anomaly score`'s pure part: NAB's `timestamp,value` CSV in, one line
// `timestamp,value,anomaly_score` out per row, scored online by a Detector (each row is scored
// before the next is read, exactly as vigied scores a sample). Reachable by the fuzz target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "alerts/detectors/detector.h"

namespace vigie::alerts::detectors {

// Rows longer than this are refused (a NAB row is ~30 bytes).
inline constexpr size_t kMaxCsvLineBytes = 4096;

// Seconds since the Unix epoch, in milliseconds, of `2014-07-01 00:00:00` (UTC; also with a
// `T` separator, fractional seconds and a trailing `Z`). InvalidArgument otherwise.
absl::StatusOr<int64_t> ParseNabTimestamp(std::string_view text);

// Which of a Verdict's scores the anomaly_score column holds.
enum class CsvScore {
  kSustained,  // Verdict::score: high while an anomaly lasts, what rules fire on
  kOnset,      // Verdict::onset: only the first point of an episode (what NAB scores)
};

// Not thread-safe. Errors name the line ("line 7: ..."): the caller adds the file name.
class CsvScorer {
 public:
  static absl::StatusOr<std::unique_ptr<CsvScorer>> Make(std::string_view detector,
                                                         CsvScore column = CsvScore::kSustained);

  // Consumes the next line (without its '\n'; a trailing '\r' is dropped) and appends the
  // output line, if any, to *out: the header line `timestamp,value,anomaly_score`, then one
  // per data row. Blank lines are skipped. A NaN or infinite value, and a row whose timestamp
  // is before an earlier row's, are echoed with score 0 and not learned, as vigied drops a
  // stale marker or an out-of-order sample (see out_of_order_rows()). A row with the same
  // timestamp as the previous one is scored as a new point. Errors: no `timestamp` or `value`
  // column in the header, a row with too few fields, a bad timestamp, a value that is not a
  // number or beyond a double's range, a line over kMaxCsvLineBytes.
  absl::Status AddLine(std::string_view line, std::string* out);

  // Rows scored 0 because their timestamp went back in time, and the first one's line (so
  // that the caller can warn once).
  int64_t out_of_order_rows() const { return out_of_order_rows_; }
  int64_t first_out_of_order_line() const { return first_out_of_order_line_; }

  // After the last line: InvalidArgument when there was no header (an empty file).
  absl::Status Finish() const;

 private:
  CsvScorer(std::unique_ptr<Detector> detector, CsvScore column)
      : detector_(std::move(detector)), column_(column) {}
  absl::Status ReadHeader(std::string_view line, std::string* out);

  std::unique_ptr<Detector> detector_;
  CsvScore column_;
  int64_t line_number_ = 0;
  bool have_header_ = false;
  size_t timestamp_column_ = 0;
  size_t value_column_ = 0;
  bool have_previous_ = false;
  int64_t previous_ms_ = 0;
  int64_t out_of_order_rows_ = 0;
  int64_t first_out_of_order_line_ = 0;
};

// The whole of `text` at once (tests and the fuzz target): the output, or the first error.
absl::StatusOr<std::string> ScoreCsv(std::string_view text, std::string_view detector,
                                     CsvScore column = CsvScore::kSustained);

}  // namespace vigie::alerts::detectors
