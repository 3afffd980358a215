// Running the vigie CLI against a test server.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace vigie::testing {

// Runs `vigie --server <server> args...`; returns the exit code, stdout in `out`, stderr in `err`.
int Vigie(const Vigied& server, std::vector<std::string> args, std::string* out = nullptr,
          std::string* err = nullptr, const std::string& stdin_path = "");

// Runs `sh -c script`; returns its stdout.
std::string Shell(const std::string& script);

}  // namespace vigie::testing
