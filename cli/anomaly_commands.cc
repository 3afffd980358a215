#include "cli/anomaly_commands.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "alerts/detectors/csv_scorer.h"
#include "alerts/detectors/detector.h"
#include "cli/client.h"

namespace vigie::cli {

namespace detectors = alerts::detectors;

namespace {

// std::getline, but stops storing after `max` bytes, so that a file without newlines cannot
// exhaust memory (the scorer then refuses the line as too long). False at end of input.
bool ReadLine(std::istream& in, size_t max, std::string* line) {
  line->clear();
  std::streambuf* buf = in.rdbuf();
  for (int c; (c = buf->sbumpc()) != EOF;) {
    if (c == '\n') return true;
    if (line->size() <= max) line->push_back(static_cast<char>(c));
  }
  return !line->empty();
}

}  // namespace

CLI::App* AddAnomalyCommand(CLI::App* app) {
  CLI::App* cmd = app->add_subcommand(
      "anomaly", "The anomaly detectors of anomaly: rules: score a curve from a CSV file");
  cmd->require_subcommand(1);
  return cmd;
}

CLI::App* AddAnomalyScoreCommand(CLI::App* anomaly, AnomalyScoreOptions* options) {
  CLI::App* cmd = anomaly->add_subcommand(
      "score", "Score every row of a timestamp,value CSV file online, as vigied would");
  cmd->add_option("file", options->file,
                  "CSV in NAB's form: a header row naming 'timestamp' and 'value', then rows "
                  "like '2014-07-01 00:00:00,10844' (UTC) in time order; '-' reads standard "
                  "input")
      ->required();
  options->detector = std::string(detectors::kDefaultDetector);
  cmd->add_option("--detector", options->detector, "Which detector scores the rows")
      ->capture_default_str()
      ->check(CLI::IsMember(detectors::DetectorNames()));
  cmd->add_flag("--onset", options->onset,
                "Score only the first point of each episode (0 for the rest of it, until the "
                "score stayed under 0.5 for 6 hours): the question NAB asks");
  cmd->footer(
      "Writes 'timestamp,value,anomaly_score' to standard output, one line per row, each\n"
      "scored before the next is read (no look-ahead). Scores are in [0, 1]: 0.5 is the edge\n"
      "of the learned band; rules fire from 0.5 (sensitivity high), 0.56 (medium) or 0.63\n"
      "(low). The first day of data is warm-up. NaN and infinite values, and rows whose\n"
      "timestamp goes back in time, score 0 and are not learned. Exit code 0, or 2 with the\n"
      "file and line on a bad row. Detectors:\n" +
      detectors::DescribeDetectors() +
      "Example: vigie anomaly score nyc_taxi.csv > scored.csv (docs/anomaly.md)");
  return cmd;
}

int RunAnomalyScore(const AnomalyScoreOptions& options, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  std::ifstream file;
  std::istream* input = &in;
  std::string name = options.file == "-" ? "<stdin>" : options.file;
  if (options.file != "-") {
    file.open(options.file, std::ios::binary);
    if (!file) {
      err << "vigie anomaly score: cannot read " << name << ": " << std::strerror(errno) << "\n";
      return kExitUsage;
    }
    input = &file;
  }
  absl::StatusOr<std::unique_ptr<detectors::CsvScorer>> scorer =
      detectors::CsvScorer::Make(options.detector, options.onset ? detectors::CsvScore::kOnset
                                                                 : detectors::CsvScore::kSustained);
  if (!scorer.ok()) {
    err << "vigie anomaly score: " << scorer.status().message() << "\n";
    return kExitUsage;
  }
  std::string line, scored;
  absl::Status status;
  while (status.ok() && ReadLine(*input, detectors::kMaxCsvLineBytes, &line)) {
    scored.clear();
    status = (*scorer)->AddLine(line, &scored);
    out << scored;
  }
  if (status.ok()) status = (*scorer)->Finish();
  out.flush();
  if (!status.ok()) {
    err << "vigie anomaly score: " << name << ": " << status.message() << "\n";
    return kExitUsage;
  }
  if (int64_t rows = (*scorer)->out_of_order_rows(); rows > 0) {
    err << "vigie anomaly score: " << name << ": warning: " << rows
        << " row(s) went back in time (the first at line " << (*scorer)->first_out_of_order_line()
        << ") and scored 0, not learned\n";
  }
  return kExitOk;
}

}  // namespace vigie::cli
