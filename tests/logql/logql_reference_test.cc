// LogQL as Loki answers it: every query of tests/logql/cases.txt, run by a real vigied over the
// corpus of tests/data/logql, must give what tests/logql/reference.py (an independent Python
// implementation of Loki's semantics) computes. run_cases.py does the pushing, querying and
// comparing, and prints a diff per query that disagrees; this test gives it a fresh server.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "tests/integration/harness.h"

namespace vigie::testing {
namespace {

TEST(LogqlReferenceTest, EveryQueryOfTheTableAgreesWithTheReference) {
  TempDir dir;
  // The corpus has fixed timestamps in 2024: keep everything, whatever today's date.
  Vigied server(dir.path() + "/data", {"--retention", "0"});
  server.Start();
  std::string out, err;
  int code = RunCommand({VIGIE_PYTHON3, std::string(VIGIE_LOGQL_CASES_DIR) + "/run_cases.py",
                         "--http", server.http_address(), "--data", TestDataPath("")},
                        &out, "", &err);
  EXPECT_EQ(code, 0) << out << err;
  // The summary line says how many queries ran, also when all agree.
  if (code == 0 && out.size() > 1) std::cout << out.substr(out.rfind('\n', out.size() - 2) + 1);
}

}  // namespace
}  // namespace vigie::testing
