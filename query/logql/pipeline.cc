#include "query/logql/pipeline.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "common/time.h"
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
  passed_.resize(runs_.size());
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

template <typename Lap>
bool StreamPipeline::ProbeRejects(const Lap& lap) {
  // Past this many lines, the probe stays on only while at least half of them are rejected.
  constexpr uint64_t kTrialLines = 256;
  Probe& probe = *probe_;
  ctx_.wanted = &probe.needs;
  bool pass = runs_[0].stage->Process(ctx_, probe.state.get());
  lap(0);
  size_t reached = 0;  // The last stage the line went through.
  for (size_t i = 1; pass && i <= probe.filters; ++i) {
    ctx_.wanted = &runs_[i].wanted;
    pass = runs_[i].stage->Process(ctx_, runs_[i].state.get());
    lap(i);
    reached = i;
  }
  ++probe.probed;
  if (!pass) {
    ++probe.rejected;
    // A line the probe keeps is counted by the full run; one it rejects, here: it went through
    // the stages before the one that rejected it (neither parsers nor label filters change it).
    for (size_t i = 0; i < reached; ++i) {
      ++passed_[i].lines;
      passed_[i].bytes += ctx_.line.size();
    }
  }
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

template <bool kTimed>
bool StreamPipeline::ProcessLine(int64_t ts, std::string_view line, int64_t* stage_ns) {
  int64_t lap_start = kTimed ? MonotonicNanos() : 0;
  auto lap = [&](size_t k) {
    if constexpr (kTimed) {
      const int64_t now = MonotonicNanos();
      stage_ns[k] += now - lap_start;
      lap_start = now;
    }
  };
  ++lines_in_;
  bytes_in_ += line.size();
  for (const std::string& literal : required_literals_) {
    if (FindLiteral(line, 0, literal) == std::string_view::npos) {
      ++literal_rejected_;
      lap(0);
      return false;
    }
  }
  builder_.Reset();
  ctx_.ts = ts;
  ctx_.line = line;
  if (probe_) {
    if (ProbeRejects(lap)) return false;
    builder_.Reset();
  }
  for (size_t k = 0; k < runs_.size(); ++k) {
    Run& run = runs_[k];
    ctx_.wanted = &run.wanted;
    const bool pass = run.stage->Process(ctx_, run.state.get());
    lap(k);
    if (!pass) return false;
    ++passed_[k].lines;
    passed_[k].bytes += ctx_.line.size();
  }
  return true;
}

std::vector<StreamPipeline::StageTally> StreamPipeline::tallies() const {
  std::vector<StageTally> out;
  for (size_t k = 0; k < passed_.size(); ++k) {
    out.push_back({k == 0 ? lines_in_ : passed_[k - 1].lines, passed_[k].lines,
                   k == 0 ? bytes_in_ : passed_[k - 1].bytes, passed_[k].bytes});
  }
  return out;
}

bool StreamPipeline::Process(int64_t ts, std::string_view line, int64_t* stage_ns) {
  if (runs_.empty()) {
    builder_.Reset();
    ctx_.ts = ts;
    ctx_.line = line;
    return true;
  }
  return stage_ns != nullptr ? ProcessLine<true>(ts, line, stage_ns)
                             : ProcessLine<false>(ts, line, nullptr);
}

}  // namespace vigie::logql
