// vigie anomaly: the anomaly detectors of `anomaly:` rules (alerts/detectors) from the command
// line. `vigie anomaly score FILE.csv` scores a curve in NAB's CSV form offline, with exactly
// the code vigied runs online (docs/anomaly.md, docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <istream>
#include <ostream>
#include <string>

namespace vigie::cli {

// Adds the `anomaly` command group (its subcommands are added by the functions below).
CLI::App* AddAnomalyCommand(CLI::App* app);

struct AnomalyScoreOptions {
  std::string file;      // NAB CSV, or "-" for standard input.
  std::string detector;  // a name of alerts/detectors' registry.
  bool onset = false;    // write Verdict::onset (an episode's first point) instead of the score
};

// Adds `anomaly score` under `anomaly`.
CLI::App* AddAnomalyScoreCommand(CLI::App* anomaly, AnomalyScoreOptions* options);

// Writes `timestamp,value,anomaly_score` lines to `out` as the rows are read; errors (naming
// the file and line) and a warning about out-of-order rows to `err`. Returns kExitOk, or
// kExitUsage on an unreadable file or bad input (the lines scored before it stay written).
int RunAnomalyScore(const AnomalyScoreOptions& options, std::istream& in, std::ostream& out,
                    std::ostream& err);

}  // namespace vigie::cli
