#include "tests/integration/cli_util.h"

namespace vigie::testing {

int Vigie(const Vigied& server, std::vector<std::string> args, std::string* out, std::string* err,
          const std::string& stdin_path) {
  args.insert(args.begin(), {BinaryPath("cli/vigie"), "--server", server.grpc_address()});
  return RunCommand(args, out, stdin_path, err);
}

std::string Shell(const std::string& script) {
  std::string out;
  RunCommand({"/bin/sh", "-c", script}, &out);
  return out;
}

}  // namespace vigie::testing
