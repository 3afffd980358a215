// The stages that need no parser of their own: sanitising names, line filters inside the
// pipeline, | regexp, | keep and | drop.
#include "query/logql/stages.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "common/labels.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "query/logql/quote.h"
#include "query/logql/regex.h"

namespace vigie::logql {

void AppendSanitizedName(std::string* out, std::string_view key, bool trim) {
  if (trim) {
    while (!key.empty() && absl::ascii_isspace(key.front())) key.remove_prefix(1);
    while (!key.empty() && absl::ascii_isspace(key.back())) key.remove_suffix(1);
  }
  if (key.empty()) return;
  if (out->empty() && absl::ascii_isdigit(key[0])) out->push_back('_');
  for (size_t i = 0; i < key.size();) {
    const char c = key[i];
    if (absl::ascii_isalnum(c) || c == '_') {
      out->push_back(c);
      ++i;
      continue;
    }
    out->push_back('_');  // One '_' per character, as Go's strings.Map does per rune.
    size_t n = static_cast<unsigned char>(c) < 0x80 ? 1 : Utf8SequenceLength(key.substr(i));
    i += n == 0 ? 1 : n;
  }
}

namespace {

class LineFilterStage : public Stage {
 public:
  explicit LineFilterStage(LineFilter filter) : filter_(std::move(filter)) {}
  bool Process(LineContext& ctx, StageState*) const override { return filter_.Matches(ctx.line); }
  bool IsLineFilter() const override { return true; }
  std::string ToString() const override { return logql::ToString(filter_.specs().front()); }

 private:
  LineFilter filter_;
};

struct RegexpState : StageState {
  std::vector<re2::StringPiece> groups;  // [0] is the whole match, [i] group i.
  std::string extracted;
};

// | regexp "(?P<a>...)": named groups become labels; a line the regex does not match keeps its
// labels (Loki does not drop it nor report an error).
class RegexpStage : public Stage {
 public:
  RegexpStage(std::string pattern, std::shared_ptr<const re2::RE2> re)
      : pattern_(std::move(pattern)), re_(std::move(re)) {
    names_.resize(re_->NumberOfCapturingGroups());
    for (const auto& [name, index] : re_->NamedCapturingGroups()) names_[index - 1] = name;
  }

  bool Process(LineContext& ctx, StageState* s) const override {
    auto& state = static_cast<RegexpState&>(*s);
    if (ctx.wanted->None()) return true;  // Nothing to extract: no need to match.
    if (!re_->Match(ctx.line, 0, ctx.line.size(), re2::RE2::UNANCHORED, state.groups.data(),
                    static_cast<int>(state.groups.size()))) {
      return true;
    }
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i].empty()) continue;
      std::string_view name = ctx.labels->ExtractedName(names_[i], &state.extracted);
      const re2::StringPiece& group = state.groups[i + 1];
      if (ctx.wanted->Needs(name))
        ctx.labels->Set(name, std::string_view(group.data(), group.size()));
    }
    return true;
  }
  std::unique_ptr<StageState> NewState() const override {
    auto state = std::make_unique<RegexpState>();
    state->groups.resize(names_.size() + 1);
    return state;
  }
  // Matches the same whatever is needed, and reports no error.
  bool HonoursValidate() const override { return true; }
  std::string ToString() const override { return "| regexp " + Quote(pattern_); }

 private:
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;
  std::vector<std::string> names_;  // By group index - 1; "" for unnamed groups.
};

std::string ItemsText(const std::vector<LabelItem>& items) {
  return absl::StrJoin(items, ", ", [](std::string* out, const LabelItem& item) {
    out->append(item.matcher ? item.matcher->ToString() : item.name);
  });
}

struct NamesState : StageState {
  std::vector<std::string> names;
};

// | keep a, b="x": every other label goes (the error labels stay, as in Loki). A name keeps its
// label; a matcher keeps it when its value matches. The first item naming a label decides.
class KeepStage : public Stage {
 public:
  explicit KeepStage(std::vector<LabelItem> items) : items_(std::move(items)) {}
  bool Process(LineContext& ctx, StageState* s) const override {
    auto& doomed = static_cast<NamesState&>(*s).names;
    doomed.clear();
    ctx.labels->ForEach([&](std::string_view name, std::string_view value) {
      if (!Keeps(name, value)) doomed.emplace_back(name);
    });
    for (const std::string& name : doomed) ctx.labels->Delete(name);
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<NamesState>(); }
  // Reads no label for itself (the default): which labels it leaves matters only to the stages
  // and the caller after it, whose needs reach the parsers before it. Loki's keep requires none
  // either, so that sum(count_over_time({...} | json | keep a [5m])) does not parse.
  std::string ToString() const override { return "| keep " + ItemsText(items_); }

 private:
  bool Keeps(std::string_view name, std::string_view value) const {
    for (const LabelItem& item : items_) {
      if (item.name == name) return !item.matcher || item.matcher->Matches(value);
    }
    return false;
  }
  std::vector<LabelItem> items_;
};

// | drop a, b="x": a name drops its label; a matcher drops it when its value matches.
// `drop __error__` clears the error, `drop __error_details__` its details.
class DropStage : public Stage {
 public:
  explicit DropStage(std::vector<LabelItem> items) : items_(std::move(items)) {}
  bool Process(LineContext& ctx, StageState*) const override {
    for (const LabelItem& item : items_) {
      std::optional<std::string_view> value = ctx.labels->Get(item.name);
      if (value && (!item.matcher || item.matcher->Matches(*value))) {
        ctx.labels->Delete(item.name);
      }
    }
    return true;
  }
  // Reads no label for itself, as KeepStage (a label that no later stage reads may as well not
  // be extracted as be dropped).
  std::string ToString() const override { return "| drop " + ItemsText(items_); }

 private:
  std::vector<LabelItem> items_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Stage>> MakeLineFilterStage(LineFilterSpec spec,
                                                                 const Limits& limits) {
  absl::StatusOr<LineFilter> filter = LineFilter::Make({std::move(spec)}, limits);
  if (!filter.ok()) return filter.status();
  return std::make_shared<LineFilterStage>(*std::move(filter));
}

absl::StatusOr<std::shared_ptr<const Stage>> MakeRegexpStage(std::string pattern,
                                                             const Limits& limits) {
  absl::StatusOr<std::shared_ptr<const re2::RE2>> re = CompileRegex(pattern, limits);
  if (!re.ok()) return re.status();
  const std::map<std::string, int>& groups = (*re)->NamedCapturingGroups();
  if (groups.empty()) {
    return absl::InvalidArgumentError(
        "| regexp needs at least one named group, such as (?P<status>\\d+)");
  }
  for (const auto& [name, index] : groups) {
    if (!IsValidLabelName(name)) {
      return absl::InvalidArgumentError(StrCat("invalid extracted label name ", Quote(name),
                                               ": group names must match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
  }
  return std::make_shared<RegexpStage>(std::move(pattern), *std::move(re));
}

std::shared_ptr<const Stage> MakeKeepStage(std::vector<LabelItem> items) {
  return std::make_shared<KeepStage>(std::move(items));
}

std::shared_ptr<const Stage> MakeDropStage(std::vector<LabelItem> items) {
  return std::make_shared<DropStage>(std::move(items));
}

}  // namespace vigie::logql
