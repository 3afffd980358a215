#include "query/logql/pipeline.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "query/logql/literal_search.h"

namespace vigie::logql {

bool LabelNeeds::Needs(std::string_view name) const {
  return all || std::find(names.begin(), names.end(), name) != names.end();
}

bool LabelNeeds::NeedsUnder(std::string_view prefix) const {
  if (all) return true;
  return std::any_of(names.begin(), names.end(), [prefix](const std::string& n) {
    return n.size() > prefix.size() && n.starts_with(prefix) && n[prefix.size()] == '_';
  });
}

void LabelNeeds::Add(std::string_view name) {
  if (!Needs(name)) names.emplace_back(name);
}

void LabelNeeds::AddAll(const LabelNeeds& other) {
  if (other.all) {
    all = true;
    names.clear();
    return;
  }
  for (const std::string& n : other.names) Add(n);
}

void Pipeline::Add(std::shared_ptr<const Stage> stage, bool prefiltered) {
  steps_.push_back({std::move(stage), prefiltered});
  if (!prefiltered) ++runs_;
}

bool Pipeline::rewrites_line() const {
  return std::any_of(steps_.begin(), steps_.end(),
                     [](const Step& s) { return !s.prefiltered && s.stage->RewritesLine(); });
}

std::string Pipeline::ToString() const {
  return absl::StrJoin(steps_, " ",
                       [](std::string* out, const Step& s) { out->append(s.stage->ToString()); });
}

StreamPipeline::StreamPipeline(const Pipeline& pipeline, const LabelSet& stream,
                               const LabelNeeds& required, bool filter_first)
    : builder_(&stream) {
  // Walk back from the caller: each stage is told what the stages after it read.
  LabelNeeds needs = required;
  std::vector<Run> reversed;
  for (auto it = pipeline.steps().rbegin(); it != pipeline.steps().rend(); ++it) {
    if (it->prefiltered) continue;
    const Stage& stage = *it->stage;
    reversed.push_back({&stage, stage.NewState(), needs});
    if (std::optional<std::vector<std::string>> reads = stage.ReadsLabels()) {
      for (const std::string& name : *reads) needs.Add(name);
    } else {
      needs = LabelNeeds();
    }
  }
  runs_.assign(std::make_move_iterator(reversed.rbegin()),
               std::make_move_iterator(reversed.rend()));
  ctx_.labels = &builder_;
  size_t filters = 0;
  while (filters + 1 < runs_.size() && runs_[filters + 1].stage->IsLabelFilter()) ++filters;
  for (size_t i = 1; filter_first && i <= filters; ++i) {
    for (const auto& [name, value] : runs_[i].stage->RequiredValues()) {
      std::string literal = runs_[0].stage->LiteralForValue(name, value, builder_);
      if (!literal.empty()) required_literals_.push_back(std::move(literal));
    }
  }
  if (filter_first && filters > 0 && runs_[0].stage->HonoursValidate() && runs_[0].wanted.all) {
    // The error too: the filters let a line in error pass untested, and a line may set it by
    // itself (a key named __error__).
    LabelNeeds needs =
        LabelNeeds::Only({std::string(kErrorLabel), std::string(kErrorDetailsLabel)});
    needs.validate = true;
    for (size_t i = 1; i <= filters; ++i) {
      const std::optional<std::vector<std::string>> reads = runs_[i].stage->ReadsLabels();
      for (const std::string& name : reads.value_or(std::vector<std::string>())) needs.Add(name);
    }
    probe_.emplace(Probe{std::move(needs), runs_[0].stage->NewState(), filters});
  }
}

bool StreamPipeline::ProbeRejects() {
  // Past this many lines, the probe stays on only while at least half of them are rejected.
  constexpr uint64_t kTrialLines = 256;
  Probe& probe = *probe_;
  ctx_.wanted = &probe.needs;
  bool pass = runs_[0].stage->Process(ctx_, probe.state.get());
  for (size_t i = 1; pass && i <= probe.filters; ++i) {
    ctx_.wanted = &runs_[i].wanted;
    pass = runs_[i].stage->Process(ctx_, runs_[i].state.get());
  }
  ++probe.probed;
  if (!pass) ++probe.rejected;
  if (probe.probed == kTrialLines && probe.rejected * 2 < probe.probed) probe_.reset();
  return !pass;
}

std::string_view StreamPipeline::required_literal() const {
  std::string_view longest;
  for (const std::string& literal : required_literals_) {
    if (literal.size() > longest.size()) longest = literal;
  }
  return longest;
}

bool StreamPipeline::Process(int64_t ts, std::string_view line) {
  for (const std::string& literal : required_literals_) {
    if (FindLiteral(line, 0, literal) == std::string_view::npos) {
      ++literal_rejected_;
      return false;
    }
  }
  builder_.Reset();
  ctx_.ts = ts;
  ctx_.line = line;
  if (probe_) {
    if (ProbeRejects()) return false;
    builder_.Reset();
  }
  for (Run& run : runs_) {
    ctx_.wanted = &run.wanted;
    if (!run.stage->Process(ctx_, run.state.get())) return false;
  }
  return true;
}

}  // namespace vigie::logql
