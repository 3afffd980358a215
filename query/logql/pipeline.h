// The pipeline of a LogQL log query: the stages after the stream selector, run on each line in
// written order. `{app="api"} |= "GET" | json | status >= 500 | drop trace_id`.
//
// How the engines use it (block_scan.cc, engine.cc): the line filters written before any stage
// that rewrites the line are taken out into LogSelector::filter, where they keep their fast paths
// (n-gram block skipping, memmem on whole blocks); the other stages run per line through a
// StreamPipeline, which yields for each kept line its text (possibly rewritten) and its final
// labels. A log query's result streams are keyed by those labels, as Loki's are.
//
// Adding a stage kind (line_format, pattern, ...): a Stage subclass (below), and its grammar in
// parser_pipeline.cc (a Parser method and one entry in kStageParsers).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/labels.h"
#include "query/logql/labels_builder.h"

namespace vigie::logql {

// The labels some consumer of a stage's output reads: a later stage, or the caller (a metric
// query whose aggregation drops every label reads none: RangeAggregation::labels_unused).
// Parsers extract only these when they are known, which is much faster (Loki does the same).
// `all` means "every label", the safe default: a log query returns all the labels of each line.
struct LabelNeeds {
  bool all = true;
  std::vector<std::string> names;  // When !all.
  // With !all: read the line as when every label is needed (every value decoded, no early stop,
  // so the same errors), but extract only `names`. The values of `names` and the error are then
  // those of a full extraction (see Stage::HonoursValidate).
  bool validate = false;

  static LabelNeeds Only(std::vector<std::string> names) { return {false, std::move(names)}; }
  bool Needs(std::string_view name) const;
  // True when no label at all is needed: a parser then does not run (Loki's "no labels" hint),
  // so it reports no error either.
  bool None() const { return !all && !validate && names.empty(); }
  // Whether some needed name starts with prefix + "_": a JSON object under `prefix` may hold one.
  bool NeedsUnder(std::string_view prefix) const;
  void Add(std::string_view name);
  void AddAll(const LabelNeeds& other);
};

// Per-thread scratch of one stage (a JSON parser, an output buffer). Created by Stage::NewState
// for each StreamPipeline; never shared between threads.
class StageState {
 public:
  virtual ~StageState() = default;
};

// What a stage works on for one line.
struct LineContext {
  int64_t ts = 0;
  // The line as the previous stages left it. A stage that rewrites it points it at memory of its
  // own StageState, valid until the stage runs again.
  std::string_view line;
  LabelsBuilder* labels = nullptr;
  // For parsers: what the later stages and the caller need of the labels (see LabelNeeds).
  const LabelNeeds* wanted = nullptr;
};

// One stage. Implementations are immutable after construction: Process() is const and may run
// on several threads at once, each with its own StageState.
class Stage {
 public:
  virtual ~Stage() = default;

  // Runs the stage on ctx's line; returns false to drop the line. `state` is what NewState()
  // returned for this stage (null if it returned null).
  virtual bool Process(LineContext& ctx, StageState* state) const = 0;
  virtual std::unique_ptr<StageState> NewState() const { return nullptr; }

  // The labels this stage reads: a label filter reads the labels it tests, line_format the fields
  // of its template. nullopt when it cannot tell (so every label is kept for it).
  virtual std::optional<std::vector<std::string>> ReadsLabels() const {
    return std::vector<std::string>();
  }
  // True for stages that change the line (line_format, unpack, decolorize): a line filter after
  // one cannot be run on the stored line.
  virtual bool RewritesLine() const { return false; }
  // True for a line filter stage (|= "x"), which the engine may run before the other stages.
  virtual bool IsLineFilter() const { return false; }
  // True for a label filter stage (| status >= 500): it reads labels (ReadsLabels) and changes
  // none but the error.
  virtual bool IsLabelFilter() const { return false; }
  // True for a parser that honours LabelNeeds::validate: with it, the labels it sets of the
  // needed names, and its error, are those it gives with LabelNeeds{} (every label). The
  // pipeline then runs it and the label filters after it on only the labels the filters read,
  // and drops the lines they reject before the full extraction (see StreamPipeline).
  virtual bool HonoursValidate() const { return false; }

  // For a label filter: the labels that every line it keeps has with a given value (the string
  // matchers name="value" that its `and`s join), as (name, value).
  virtual std::vector<std::pair<std::string, std::string>> RequiredValues() const { return {}; }
  // For a stage that extracts labels, run first on lines that have their stream's labels
  // (`labels`): a literal that every line contains after which the label `name` has `value`, ""
  // when it knows none. StreamPipeline drops the lines without it before they are parsed when a
  // label filter right after the stage requires that value (see RequiredValues).
  virtual std::string LiteralForValue(std::string_view /*name*/, std::string_view /*value*/,
                                      const LabelsBuilder& /*labels*/) const {
    return "";
  }

  // The stage as written in canonical form, without the leading space: `| json`, `|= "x"`.
  virtual std::string ToString() const = 0;
};

// The stages of one log query. Copies share the stages; immutable once parsed.
class Pipeline {
 public:
  // Appends a stage. `prefiltered`: a line filter that the engine runs before the pipeline (it is
  // in LogSelector::filter), kept here only for printing.
  void Add(std::shared_ptr<const Stage> stage, bool prefiltered = false);

  // True when no stage runs per line (there are none, or only prefiltered line filters): the
  // engine then needs no StreamPipeline and each line keeps its stream's labels.
  bool empty() const { return runs_ == 0; }
  // True when any stage is written (even prefiltered ones): ToString() prints the stages.
  bool has_stages() const { return !steps_.empty(); }
  // True when a stage that runs per line may rewrite the line.
  bool rewrites_line() const;

  // The stages in written order, separated by spaces: `|= "x" | json | a > 1`.
  std::string ToString() const;

  struct Step {
    std::shared_ptr<const Stage> stage;
    bool prefiltered;
  };
  const std::vector<Step>& steps() const { return steps_; }

 private:
  std::vector<Step> steps_;
  size_t runs_ = 0;  // Steps that are not prefiltered.
};

// A pipeline at work on the lines of one stream: what an engine calls per line.
//
// Not thread-safe: one per stream per thread (the block scan makes one per block). Cheap to make.
// `pipeline` and `stream` are not owned and must outlive it.
class StreamPipeline {
 public:
  // `required`: what the caller reads of the result labels (LabelNeeds{} for a log query).
  // `filter_first`: whether the filters right after a parser may run first (see Probe); false
  // only to compare with that in tests.
  StreamPipeline(const Pipeline& pipeline, const LabelSet& stream,
                 const LabelNeeds& required = LabelNeeds(), bool filter_first = true);

  // Runs the stages on one line. Returns false when a stage drops it. Otherwise line() and
  // Labels() describe the result until the next call. With `stage_ns` (one per stage(), see
  // stages()), adds each stage's time on this line to it, read on the monotonic clock: for a
  // caller that times a sample of the lines, as a clock read per stage would cost too much on
  // every one.
  bool Process(int64_t ts, std::string_view line, int64_t* stage_ns = nullptr);

  // What each stage that runs took in and let through, in lines and bytes, over every line
  // processed (parallel to stages()). A parser's input counts the lines its pre-check (the
  // required literals, the probe) rejects: that check is the parser's work.
  struct StageTally {
    uint64_t lines_in = 0, lines_out = 0;
    uint64_t bytes_in = 0, bytes_out = 0;
  };
  std::vector<StageTally> tallies() const;
  // The stages that run per line, in order.
  size_t stages() const { return runs_.size(); }
  const Stage& stage(size_t k) const { return *runs_[k].stage; }

  // How many lines the probe (below) rejected, for tests; 0 when there is none or it turned
  // itself off.
  uint64_t probe_rejected() const { return probe_ ? probe_->rejected : 0; }
  // How many lines the required literals (below) rejected, for tests.
  uint64_t literal_rejected() const { return literal_rejected_; }
  // The longest of the literals that every line Process() keeps contains ("" when there is
  // none), fixed at construction: a caller may search whole blocks for it and hand Process()
  // only the lines that hold it (Process() checks them all again).
  std::string_view required_literal() const;

  std::string_view line() const { return ctx_.line; }
  // The final labels of the last line processed, interned: the reference stays valid as long as
  // this StreamPipeline lives (equal label sets give the same object). Labels() is for a metric
  // query's series (no empty values), LineLabels() for a log query's line (with the labels a
  // stage set to "", as Loki shows them; see LabelsBuilder).
  const LabelSet& Labels() { return builder_.Labels(); }
  const LabelSet& LineLabels() { return builder_.LineLabels(); }
  // The builder itself, for a caller that reads a label without making the whole set (unwrap).
  LabelsBuilder& builder() { return builder_; }

 private:
  struct Run {
    const Stage* stage;
    std::unique_ptr<StageState> state;
    LabelNeeds wanted;  // What the stages after this one (and the caller) read.
  };
  // Filter first: when the pipeline starts with a parser that extracts every label
  // (HonoursValidate) followed by label filters, each line first goes through the parser asked
  // for only what the filters read (with LabelNeeds::validate, so the values they test and the
  // errors are the full extraction's) and through the filters; a line they reject is dropped
  // without extracting the rest, and one they keep runs the whole pipeline from the start.
  // Turned off when most lines pass (the work would be done twice for nothing).
  struct Probe {
    LabelNeeds needs;
    std::unique_ptr<StageState> state;  // The parser's, apart from its full run's.
    size_t filters;                     // The label filters at runs_[1 .. filters].
    uint64_t probed = 0, rejected = 0;
  };
  template <bool kTimed>
  bool ProcessLine(int64_t ts, std::string_view line, int64_t* stage_ns);
  // Runs the probe on ctx_'s line; true when the filters reject it. `lap(k)` ends stage k's run.
  template <typename Lap>
  bool ProbeRejects(const Lap& lap);

  std::vector<Run> runs_;
  // Filter first, before the probe: literals that every line the first stage and the label
  // filters after it keep contains (Stage::LiteralForValue): `| pattern "<_> \"<status> <_>" |
  // status = "404"` keeps only lines with `" 404`, and most lines are dropped without a parse.
  std::vector<std::string> required_literals_;
  uint64_t literal_rejected_ = 0;
  std::optional<Probe> probe_;
  LabelsBuilder builder_;
  LineContext ctx_;
  // For tallies(): the lines and bytes into the first stage and out of each (what goes into a
  // later stage is what came out of the one before), two additions per stage and line.
  uint64_t lines_in_ = 0, bytes_in_ = 0;
  struct Passed {
    uint64_t lines = 0, bytes = 0;
  };
  std::vector<Passed> passed_;
};

}  // namespace vigie::logql
