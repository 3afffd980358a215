#include "alerts/detectors/csv_scorer.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "common/strings.h"
#include "common/time.h"

namespace vigie::alerts::detectors {

namespace {

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t comma; (comma = line.find(',', start)) != std::string_view::npos; start = comma + 1) {
    fields.push_back(line.substr(start, comma - start));
  }
  fields.push_back(line.substr(start));
  return fields;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads exactly `width` digits at *pos.
bool Digits(std::string_view s, size_t* pos, int width, int64_t* out) {
  if (*pos + width > s.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += width;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

std::string_view Unquote(std::string_view field) {
  field = TrimAsciiSpace(field);
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    field = field.substr(1, field.size() - 2);
  }
  return field;
}

}  // namespace

absl::StatusOr<int64_t> ParseNabTimestamp(std::string_view text) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second, millis = 0;
  bool ok = Digits(text, &pos, 4, &year) && Expect(text, &pos, '-') &&
            Digits(text, &pos, 2, &month) && Expect(text, &pos, '-') &&
            Digits(text, &pos, 2, &day) && (Expect(text, &pos, ' ') || Expect(text, &pos, 'T')) &&
            Digits(text, &pos, 2, &hour) && Expect(text, &pos, ':') &&
            Digits(text, &pos, 2, &minute) && Expect(text, &pos, ':') &&
            Digits(text, &pos, 2, &second);
  if (ok && pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    int64_t fraction = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 9) {
      fraction = fraction * 10 + (text[pos++] - '0');
      ++digits;
    }
    ok = digits > 0;
    while (digits < 3) fraction *= 10, ++digits;
    while (digits > 3) fraction /= 10, --digits;
    millis = fraction;
  }
  if (ok && pos < text.size() && text[pos] == 'Z') ++pos;
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  ok = ok && pos == text.size() && month >= 1 && month <= 12 && day >= 1 &&
       day <= kDaysInMonth[month - 1] + (month == 2 && IsLeap(year)) && hour < 24 && minute < 60 &&
       second < 60;
  if (!ok) {
    return absl::InvalidArgumentError(
        StrCat("timestamp '", text, "' is not of the form 2014-07-01 00:00:00 (UTC)"));
  }
  // Every field is checked and at most 4 digits: each fits an int.
  return UtcSeconds(static_cast<int>(year), static_cast<int>(month), static_cast<int>(day),
                    static_cast<int>(hour), static_cast<int>(minute), static_cast<int>(second)) *
             1000 +
         millis;
}

absl::StatusOr<std::unique_ptr<CsvScorer>> CsvScorer::Make(std::string_view detector,
                                                           CsvScore column) {
  absl::StatusOr<std::unique_ptr<Detector>> d = NewDetector(detector);
  if (!d.ok()) return d.status();
  return std::unique_ptr<CsvScorer>(new CsvScorer(*std::move(d), column));
}

absl::Status CsvScorer::ReadHeader(std::string_view line, std::string* out) {
  std::vector<std::string_view> fields = SplitFields(line);
  bool have_timestamp = false, have_value = false;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view name = Unquote(fields[i]);
    if (i == 0 && name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);  // a BOM
    if (name == "timestamp" && !have_timestamp) timestamp_column_ = i, have_timestamp = true;
    if (name == "value" && !have_value) value_column_ = i, have_value = true;
  }
  if (!have_timestamp || !have_value) {
    return absl::InvalidArgumentError(StrCat("line ", line_number_,
                                             ": the header must name a 'timestamp' and a "
                                             "'value' column (NAB's form: timestamp,value), not '",
                                             line, "'"));
  }
  have_header_ = true;
  out->append("timestamp,value,anomaly_score\n");
  return absl::OkStatus();
}

absl::Status CsvScorer::AddLine(std::string_view line, std::string* out) {
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxCsvLineBytes) {
    return absl::InvalidArgumentError(
        StrCat("line ", line_number_, ": longer than ", kMaxCsvLineBytes, " bytes"));
  }
  if (TrimAsciiSpace(line).empty()) return absl::OkStatus();
  if (!have_header_) return ReadHeader(line, out);
  std::vector<std::string_view> fields = SplitFields(line);
  size_t need = std::max(timestamp_column_, value_column_) + 1;
  if (fields.size() < need) {
    return absl::InvalidArgumentError(
        StrCat("line ", line_number_, ": ", fields.size(), " fields, expected at least ", need));
  }
  std::string_view timestamp_text = Unquote(fields[timestamp_column_]);
  std::string_view value_text = Unquote(fields[value_column_]);
  absl::StatusOr<int64_t> timestamp = ParseNabTimestamp(timestamp_text);
  if (!timestamp.ok()) {
    return absl::InvalidArgumentError(
        StrCat("line ", line_number_, ": ", timestamp.status().message()));
  }
  double value;
  // nan and inf parse, and are scored 0 and not learned (the detector skips them).
  if (!ParseNumber(value_text, &value)) {
    return absl::InvalidArgumentError(StrCat("line ", line_number_, ": value '", value_text,
                                             "' is not a number within a double's range"));
  }
  if (have_previous_ && *timestamp < previous_ms_) {
    if (out_of_order_rows_++ == 0) first_out_of_order_line_ = line_number_;
  } else {
    have_previous_ = true;
    previous_ms_ = *timestamp;
  }
  Verdict verdict = detector_->Observe(*timestamp, value);
  fmt::format_to(std::back_inserter(*out), "{},{},{:.6f}\n", timestamp_text, value_text,
                 column_ == CsvScore::kOnset ? verdict.onset : verdict.score);
  return absl::OkStatus();
}

absl::Status CsvScorer::Finish() const {
  if (!have_header_) {
    return absl::InvalidArgumentError(
        "empty file: expected a header line 'timestamp,value' and then rows");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ScoreCsv(std::string_view text, std::string_view detector,
                                     CsvScore column) {
  absl::StatusOr<std::unique_ptr<CsvScorer>> scorer = CsvScorer::Make(detector, column);
  if (!scorer.ok()) return scorer.status();
  std::string out;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    absl::Status s = (*scorer)->AddLine(text.substr(start, end - start), &out);
    if (!s.ok()) return s;
    start = end + 1;
  }
  absl::Status s = (*scorer)->Finish();
  if (!s.ok()) return s;
  return out;
}

}  // namespace vigie::alerts::detectors
