// vigie query's table, JSON and CSV output of each result type.
#include "cli/promql_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace vigie::cli {
namespace {

std::string Print(const v1::PromQueryResponse& result, PromOutput format) {
  char* buf = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buf, &size);
  PrintPromResult(result, format, ChartOptions(), out);
  fclose(out);
  std::string text(buf, size);
  free(buf);
  return text;
}

void AddSeries(v1::PromQueryResponse* r, std::vector<std::pair<std::string, std::string>> labels,
               std::vector<std::pair<int64_t, double>> points) {
  v1::MetricSeries* s = r->add_series();
  for (auto& [n, v] : labels) {
    v1::Label* l = s->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (auto [t, v] : points) {
    v1::Sample* p = s->add_points();
    p->set_ts_ms(t);
    p->set_value(v);
  }
}

TEST(PromOutputTest, VectorTableJsonCsv) {
  v1::PromQueryResponse r;
  r.set_result_type("vector");
  AddSeries(&r, {{"__name__", "up"}, {"job", "a,b"}}, {{1'700'000'000'000, 1}});
  AddSeries(&r, {{"job", "c\"d"}}, {{1'700'000'000'500, NAN}});
  EXPECT_EQ(Print(r, PromOutput::kTable),
            "SERIES         VALUE\n"
            "up{job=\"a,b\"}  1\n"
            "{job=\"c\\\"d\"}   NaN\n");
  EXPECT_EQ(Print(r, PromOutput::kJson),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a,b"},)"
            R"("value":[1700000000,"1"]},{"metric":{"job":"c\"d"},"value":[1700000000.5,"NaN"]}]})"
            "\n");
  EXPECT_EQ(Print(r, PromOutput::kCsv),
            "time,__name__,job,value\n"
            "2023-11-14T22:13:20.000Z,up,\"a,b\",1\n"
            "2023-11-14T22:13:20.500Z,,\"c\"\"d\",NaN\n");
}

TEST(PromOutputTest, ScalarStringAndMatrix) {
  v1::PromQueryResponse scalar;
  scalar.set_result_type("scalar");
  AddSeries(&scalar, {}, {{2'000, INFINITY}});
  EXPECT_EQ(Print(scalar, PromOutput::kTable), "+Inf\n");
  EXPECT_EQ(Print(scalar, PromOutput::kJson),
            "{\"resultType\":\"scalar\",\"result\":[2,\"+Inf\"]}\n");

  v1::PromQueryResponse string;
  string.set_result_type("string");
  string.set_string_value("hi");
  string.set_string_time_ms(3'000);
  EXPECT_EQ(Print(string, PromOutput::kTable), "hi\n");
  EXPECT_EQ(Print(string, PromOutput::kJson),
            "{\"resultType\":\"string\",\"result\":[3,\"hi\"]}\n");

  v1::PromQueryResponse matrix;
  matrix.set_result_type("matrix");
  AddSeries(&matrix, {{"__name__", "x"}}, {{0, 1.5}, {60'000, -2}});
  EXPECT_EQ(Print(matrix, PromOutput::kTable),
            "TIME                      SERIES  VALUE\n"
            "1970-01-01T00:00:00.000Z  x       1.5\n"
            "1970-01-01T00:01:00.000Z  x       -2\n");
  EXPECT_EQ(Print(matrix, PromOutput::kJson),
            "{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"__name__\":\"x\"},\"values\":"
            "[[0,\"1.5\"],[60,\"-2\"]]}]}\n");
}

}  // namespace
}  // namespace vigie::cli
