// vigie push: send files or stdin to vigied, one entry per line, byte for byte, through the
// collector's shipper (collector/shipper.h) from a bounded queue in memory.
#pragma once

#include <string>
#include <vector>

#include "cli/client.h"

namespace vigie::cli {

struct PushOptions {
  std::vector<std::string> files;   // Empty: standard input.
  std::vector<std::string> labels;  // name=value; files also get file=<path> unless given.
  // strptime format of the time at the start of each line (an optional '[' skipped), or
  // "rfc3339"; empty: the time each line is read.
  std::string time_format;
  // How long errors that may pass (vigied unreachable) are retried before giving up; "0": not
  // at all. A duration such as 30s or 2m.
  std::string timeout = "30s";
};

// What `vigie push --help` says after the flags: labels added, errors, exit codes.
extern const char kPushHelpFooter[];

// Returns the process exit code: 0 when every line was stored, 1 when some were not (rejected
// by vigied, over its limits, or vigied gave no answer in time), 2 for a usage error.
int RunPush(const ClientOptions& client, const PushOptions& options);

}  // namespace vigie::cli
