// vigie push: send files or stdin to vigied, one entry per line, byte for byte.
#pragma once

#include <string>
#include <vector>

#include "cli/client.h"

namespace vigie::cli {

struct PushOptions {
  std::vector<std::string> files;   // Empty: standard input.
  std::vector<std::string> labels;  // name=value; files also get file=<path>.
  // strptime format of the time at the start of each line (an optional '[' skipped), or
  // "rfc3339"; empty: the time each line is read.
  std::string time_format;
};

// Returns the process exit code.
int RunPush(const ClientOptions& client, const PushOptions& options);

}  // namespace vigie::cli
