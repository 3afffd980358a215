// | logfmt [--strict] [--keep-empty] [a, b="key"].
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "common/labels.h"
#include "common/strings.h"
#include "query/logql/logfmt.h"
#include "query/logql/quote.h"
#include "query/logql/stages.h"

namespace vigie::logql {
namespace {

struct LogfmtState : StageState {
  // The label each raw key becomes ("" when it is skipped), so that the keys every line repeats
  // are sanitised and looked up once. Cleared past kMaxKeys (keys that never repeat).
  static constexpr size_t kMaxKeys = 4096;
  std::unordered_map<std::string, std::string> labels;
  std::string key, extracted;
  // The keys of the last line in order, each with its entry in `labels`: the lines of a stream
  // mostly repeat their keys in the same order, and a key where the last line had it is found by
  // one comparison, without hashing.
  std::vector<std::pair<std::string, const std::string*>> shape;
  // Worked out on the first line (they depend on the stream and the needs, fixed for a state):
  // whether the decoder may pass over the pairs whose keys hold none of `anchors`.
  bool planned = false;
  bool skip = false;
  std::vector<std::string> anchors;
};

class LogfmtStage : public Stage {
 public:
  LogfmtStage(LogfmtOptions options, std::vector<ExtractionExpr> exprs)
      : options_(options), exprs_(std::move(exprs)) {}

  bool Process(LineContext& ctx, StageState* s) const override {
    const LabelNeeds& wanted = *ctx.wanted;
    if (wanted.None()) return true;  // Nothing to extract (as Loki).
    auto& state = static_cast<LogfmtState&>(*s);
    LabelsBuilder& labels = *ctx.labels;
    // With expressions, each label exists even when its key is missing (Loki).
    for (const ExtractionExpr& e : exprs_) {
      if (!labels.StreamHas(e.label)) labels.Set(e.label, "");
    }
    if (state.labels.size() > LogfmtState::kMaxKeys) {
      state.labels.clear();
      state.shape.clear();
    }
    if (!state.planned) PlanSkipping(wanted, labels, state);
    size_t missing = wanted.all || wanted.validate ? SIZE_MAX : wanted.names.size();
    LogfmtDecoder decoder(ctx.line);
    for (size_t at = 0;
         missing > 0 && (state.skip ? decoder.SkipToKeyWith(state.anchors) : !decoder.AtEnd());) {
      if (!decoder.Next()) {
        if (options_.strict) break;
        continue;
      }
      const std::string& name = Label(decoder.key(), at++, wanted, labels, state);
      if (name.empty()) continue;
      std::string_view value = decoder.value();
      if (!options_.keep_empty && value.empty()) continue;
      if (HasRuneError(value)) value = {};
      if (missing != SIZE_MAX && !labels.Get(name)) --missing;
      labels.Set(name, value);
    }
    if (options_.strict && !decoder.error().empty()) {
      labels.SetError(kLogfmtParserErr, decoder.error());
    }
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<LogfmtState>(); }
  // Its errors come from the decoder alone, which reads the whole line unless it stops early.
  bool HonoursValidate() const override { return true; }
  std::string ToString() const override {
    std::string out = "| logfmt";
    if (options_.strict) out += " --strict";
    if (options_.keep_empty) out += " --keep-empty";
    if (!exprs_.empty()) {
      StrAppend(&out, " ", absl::StrJoin(exprs_, ", ", [](std::string* o, const ExtractionExpr& e) {
        o->append(e.label);
        if (e.path_written) StrAppend(o, "=", Quote(e.path));
      }));
    }
    return out;
  }

 private:
  // The label that `key`, the pair number `at` of the line, becomes: sanitised, mapped by the
  // expressions, suffixed on a collision with a stream label; "" when it is not extracted.
  const std::string& Label(std::string_view key, size_t at, const LabelNeeds& wanted,
                           const LabelsBuilder& labels, LogfmtState& state) const {
    auto& shape = state.shape;
    if (at < shape.size() && SameBytes(shape[at].first, key)) return *shape[at].second;
    shape.resize(at);
    const std::string& label = NewLabel(key, wanted, labels, state);
    shape.emplace_back(std::string(key), &label);
    return label;
  }

  // Without --strict, a pair whose key does not become a needed label changes nothing (no error
  // is reported): the decoder may pass over them when the needed names are known. A key becomes
  // the label N when it sanitises to N, or to N less "_extracted" when the stream has that name;
  // sanitising keeps the letters and digits of a key, so every such key holds the longest run of
  // letters and digits of that name: the anchor the decoder looks for.
  void PlanSkipping(const LabelNeeds& wanted, const LabelsBuilder& labels,
                    LogfmtState& state) const {
    state.planned = true;
    if (wanted.all || options_.strict || !exprs_.empty()) return;
    std::vector<std::string_view> keys;
    for (const std::string& name : wanted.names) {
      if (!labels.StreamHas(name)) keys.push_back(name);
      std::string_view base = name;
      if (base.ends_with(kExtractedSuffix)) {
        base.remove_suffix(kExtractedSuffix.size());
        if (labels.StreamHas(base)) keys.push_back(base);
      }
    }
    for (std::string_view key : keys) {
      std::string_view longest;
      for (size_t i = 0; i < key.size();) {
        size_t end = i;
        while (end < key.size() && absl::ascii_isalnum(key[end])) ++end;
        if (end - i > longest.size()) longest = key.substr(i, end - i);
        i = end + 1;
      }
      if (longest.empty()) return;  // A name of '_' only: any key without letters may give it.
      state.anchors.emplace_back(longest);
    }
    state.skip = true;
  }

  const std::string& NewLabel(std::string_view key, const LabelNeeds& wanted,
                              const LabelsBuilder& labels, LogfmtState& state) const {
    state.key.assign(key);
    auto it = state.labels.find(state.key);
    if (it != state.labels.end()) return it->second;
    std::string name;
    AppendSanitizedName(&name, key, /*trim=*/true);
    if (!exprs_.empty() && !name.empty()) {
      auto e = std::find_if(exprs_.begin(), exprs_.end(),
                            [&](const ExtractionExpr& x) { return x.path == name; });
      name = e == exprs_.end() ? "" : e->label;
    }
    if (!name.empty()) name = std::string(labels.ExtractedName(name, &state.extracted));
    if (!name.empty() && !wanted.Needs(name)) name.clear();
    return state.labels.emplace(state.key, std::move(name)).first->second;
  }

  LogfmtOptions options_;
  std::vector<ExtractionExpr> exprs_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Stage>> MakeLogfmtStage(LogfmtOptions options,
                                                             std::vector<ExtractionExpr> exprs) {
  for (const ExtractionExpr& e : exprs) {
    if (!IsValidLabelName(e.label)) {
      return absl::InvalidArgumentError(StrCat("invalid extracted label name ", Quote(e.label)));
    }
  }
  return std::make_shared<LogfmtStage>(options, std::move(exprs));
}

}  // namespace vigie::logql
