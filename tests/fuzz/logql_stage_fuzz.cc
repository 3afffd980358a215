// Fuzzes the parser stages of LogQL pipelines (| json, | json with paths, | unpack, | logfmt with
// its options, | regexp) with arbitrary bytes as a log line. Beyond "no crash, no hang", it
// checks:
// - every result is a valid label set (names valid, values UTF-8), whatever the line;
// - extracting only some labels (the hint a metric query gives) yields the same values for
//   them as extracting everything, when that finds no error; and it finds an error only when
//   extracting everything does (it skips what it does not need, so it may miss one); with every
//   value read (LabelNeeds::validate), the same values and error whatever;
// - filtering first (a parser followed by label filters: StreamPipeline's probe, and the
//   literals a pattern's required values imply) keeps the same lines with the same labels as the
//   full path;
// - | json's walk over the structural index gives the labels and errors of its On-Demand walk;
// - the logfmt decoder moves forward on every call, and reads the line as the byte-at-a-time
//   oracle does (tests/query/logfmt_reference.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/utf8.h"
#include "query/logql/logfmt.h"
#include "query/logql/parser.h"
#include "query/logql/stages.h"
#include "tests/query/logfmt_reference.h"

namespace {

using vigie::LabelSet;
using vigie::logql::LabelNeeds;
using vigie::logql::StreamPipeline;

void Check(bool ok) {
  if (!ok) abort();
}

const vigie::logql::Pipeline& PipelineOf(std::string_view query) {
  static auto* cache = new std::map<std::string, vigie::logql::Query>();
  auto it = cache->find(std::string(query));
  if (it == cache->end()) {
    absl::StatusOr<vigie::logql::Query> parsed = vigie::logql::Parse(query, vigie::Limits());
    Check(parsed.ok());
    it = cache->emplace(std::string(query), *std::move(parsed)).first;
  }
  return it->second.log->pipeline;
}

// `| json` read by `walk`.
const vigie::logql::Pipeline& JsonPipeline(vigie::logql::JsonWalk walk) {
  static auto* cache = new std::map<vigie::logql::JsonWalk, vigie::logql::Pipeline>();
  auto [it, added] = cache->try_emplace(walk);
  if (added) it->second.Add(*vigie::logql::MakeJsonStage({}, walk));
  return it->second;
}

void CheckLabels(const LabelSet& labels) {
  for (const vigie::Label& l : labels.labels()) {
    Check(vigie::IsValidLabelName(l.name));
    Check(vigie::IsValidUtf8(l.value));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  static const LabelSet stream = *LabelSet::Parse(R"({app="x", level="y"})");
  for (const char* query : {
           R"({a="b"} | json)",
           R"({a="b"} | json a="a.b", b="c[0]", c=`["x y"][1].z`, app)",
           R"({a="b"} | unpack)",
           R"({a="b"} | logfmt)",
           R"({a="b"} | logfmt --strict --keep-empty)",
           R"({a="b"} | logfmt a, b="c")",
           R"({a="b"} | regexp `(?P<first>\S+)\s+(?P<app>\S*)`)",
       }) {
    StreamPipeline all(PipelineOf(query), stream);
    Check(all.Process(0, line));
    const LabelSet& full = all.Labels();
    CheckLabels(full);
    CheckLabels(all.LineLabels());  // A log query's form, with the labels set to "".
    // A hint naming labels the line may have (and one it has not, so that no parser stops early).
    LabelNeeds some = LabelNeeds::Only({"a", "a_b", "c", "level_extracted", "__never__"});
    StreamPipeline hinted(PipelineOf(query), stream, some);
    Check(hinted.Process(0, line));
    const LabelSet& part = hinted.Labels();
    CheckLabels(part);
    if (full.Get("__error__").empty()) {
      for (const std::string& name : some.names) Check(part.Get(name) == full.Get(name));
      Check(part.Get("__error__").empty());
    }
    // Every value read (LabelNeeds::validate): the values and the error of the full extraction
    // (asked for, since a key may name it, as filtering first does).
    if (PipelineOf(query).steps().front().stage->HonoursValidate()) {
      LabelNeeds validate = some;
      validate.Add("__error__");
      validate.Add("__error_details__");
      validate.validate = true;
      StreamPipeline validated(PipelineOf(query), stream, validate);
      Check(validated.Process(0, line));
      for (const std::string& name : some.names) {
        Check(validated.builder().Get(name) == all.builder().Get(name));
      }
      Check(validated.builder().error() == all.builder().error());
    }
  }
  for (const char* query : {
           R"({a="b"} | json | a >= 500 or c = "x")",
           R"({a="b"} | json a="a.b", c | a != "" | c =~ "x.*")",
           R"({a="b"} | logfmt | a > 1s)",
           R"({a="b"} | logfmt --strict --keep-empty | c != "" and __error__ = "")",
           R"({a="b"} | regexp `(?P<a>\S+)\s+(?P<c>\S*)` | a = "x")",
           R"({a="b"} | pattern `<a> <_> <c>` | c > 10)",
           R"({a="b"} | pattern `<a> <_> "<c>"` | c = "x y" and a = "1")",
           R"({a="b"} | pattern `[<a>] <_>=<c> ` | a = "" | c = "=")",
       }) {
    StreamPipeline full(PipelineOf(query), stream, LabelNeeds(), /*filter_first=*/false);
    StreamPipeline first(PipelineOf(query), stream, LabelNeeds(), /*filter_first=*/true);
    const bool kept = full.Process(0, line);
    Check(first.Process(0, line) == kept);
    if (kept) Check(first.LineLabels() == full.LineLabels());
  }
  LabelNeeds validate = LabelNeeds::Only({"a", "c"});
  validate.validate = true;
  for (const LabelNeeds& needs : {LabelNeeds(), validate}) {
    StreamPipeline indexed(JsonPipeline(vigie::logql::JsonWalk::kIndexed), stream, needs);
    StreamPipeline on_demand(JsonPipeline(vigie::logql::JsonWalk::kOnDemand), stream, needs);
    Check(indexed.Process(0, line) && on_demand.Process(0, line));
    Check(indexed.LineLabels() == on_demand.LineLabels());
  }
  vigie::logql::LogfmtDecoder decoder(line);
  for (size_t calls = 0; !decoder.AtEnd(); ++calls) {
    Check(calls <= size);
    decoder.Next();
  }
  Check(vigie::logql::DecodeTrace<vigie::logql::LogfmtDecoder>(line) ==
        vigie::logql::DecodeTrace<vigie::logql::ReferenceLogfmtDecoder>(line));
  return 0;
}
