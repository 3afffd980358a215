#include "query/logql/stage_format.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "query/logql/decolorize.h"
#include "query/logql/labels_builder.h"
#include "query/logql/pattern.h"
#include "query/logql/quote.h"
#include "query/logql/template.h"

namespace vigie::logql {
namespace {

// What a template sees: the line's labels (with __error__ when set), line and time.
class BuilderData : public TemplateData {
 public:
  explicit BuilderData(const LineContext& ctx) : ctx_(ctx) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    return ctx_.labels->Get(name);
  }
  std::vector<std::pair<std::string, std::string>> All() const override {
    std::vector<std::pair<std::string, std::string>> all;
    ctx_.labels->ForEach([&all](std::string_view name, std::string_view value) {
      all.emplace_back(std::string(name), std::string(value));
    });
    if (ctx_.labels->HasError()) {
      all.emplace_back(std::string(kErrorLabel), std::string(ctx_.labels->error()));
    }
    return all;
  }
  std::string_view line() const override { return ctx_.line; }
  int64_t timestamp_ns() const override { return ctx_.ts; }

 private:
  const LineContext& ctx_;
};

// A copy of the labels taken once, for | label_format's templates (Loki renders them over one
// map made before the first of them).
class SnapshotData : public TemplateData {
 public:
  SnapshotData(std::vector<std::pair<std::string, std::string>> labels, const LineContext& ctx)
      : labels_(std::move(labels)), ctx_(ctx) {
    std::sort(labels_.begin(), labels_.end());
  }
  std::optional<std::string_view> Get(std::string_view name) const override {
    auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                               [](const auto& l, std::string_view n) { return l.first < n; });
    if (it == labels_.end() || it->first != name) return std::nullopt;
    return it->second;
  }
  std::vector<std::pair<std::string, std::string>> All() const override { return labels_; }
  std::string_view line() const override { return ctx_.line; }
  int64_t timestamp_ns() const override { return ctx_.ts; }

 private:
  std::vector<std::pair<std::string, std::string>> labels_;
  const LineContext& ctx_;
};

struct BufferState : StageState {
  std::string buffer;
};

std::optional<std::vector<std::string>> TemplateReads(const Template& t,
                                                      std::vector<std::string> names) {
  if (t.uses_dot()) return std::nullopt;
  names.insert(names.end(), t.fields().begin(), t.fields().end());
  return names;
}

class LineFormatStage : public Stage {
 public:
  explicit LineFormatStage(Template t) : template_(std::move(t)) {}

  bool Process(LineContext& ctx, StageState* s) const override {
    auto& state = static_cast<BufferState&>(*s);
    if (const std::optional<std::string>& field = template_.simple_field()) {
      std::optional<std::string_view> value = ctx.labels->Get(*field);
      state.buffer.assign(value ? *value : std::string_view());
      ctx.line = state.buffer;
      return true;
    }
    std::string out;
    absl::Status st = template_.Render(BuilderData(ctx), &out);
    if (!st.ok()) {
      ctx.labels->SetError(kTemplateFormatErr,
                           std::string_view(st.message().data(), st.message().size()));
      return true;
    }
    state.buffer = std::move(out);
    ctx.line = state.buffer;
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<BufferState>(); }
  std::optional<std::vector<std::string>> ReadsLabels() const override {
    return TemplateReads(template_, {});
  }
  bool RewritesLine() const override { return true; }
  std::string ToString() const override { return "| line_format " + Quote(template_.text()); }

 private:
  Template template_;
};

struct LabelFormatItem {
  LabelFormat format;
  std::optional<Template> tmpl;
};

class LabelFormatStage : public Stage {
 public:
  explicit LabelFormatStage(std::vector<LabelFormatItem> items) : items_(std::move(items)) {}

  bool Process(LineContext& ctx, StageState* s) const override {
    auto& state = static_cast<BufferState&>(*s);
    std::optional<SnapshotData> snapshot;
    for (const LabelFormatItem& item : items_) {
      if (item.format.rename) {
        std::optional<std::string_view> value = ctx.labels->Get(item.format.value);
        if (!value) continue;
        state.buffer.assign(*value);
        ctx.labels->Set(item.format.name, state.buffer);
        ctx.labels->Delete(item.format.value);
        continue;
      }
      if (!snapshot) snapshot.emplace(BuilderData(ctx).All(), ctx);
      absl::Status st = item.tmpl->Render(*snapshot, &state.buffer);
      if (!st.ok()) {
        ctx.labels->SetError(kTemplateFormatErr,
                             std::string_view(st.message().data(), st.message().size()));
        continue;
      }
      ctx.labels->Set(item.format.name, state.buffer);
    }
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<BufferState>(); }
  std::optional<std::vector<std::string>> ReadsLabels() const override {
    std::vector<std::string> names;
    for (const LabelFormatItem& item : items_) {
      if (item.format.rename) {
        names.push_back(item.format.value);
        continue;
      }
      std::optional<std::vector<std::string>> reads = TemplateReads(*item.tmpl, {});
      if (!reads) return std::nullopt;
      names.insert(names.end(), reads->begin(), reads->end());
    }
    return names;
  }
  std::string ToString() const override {
    return "| label_format " +
           absl::StrJoin(items_, ", ", [](std::string* out, const LabelFormatItem& item) {
             StrAppend(out, item.format.name, "=",
                       item.format.rename ? item.format.value : Quote(item.format.value));
           });
  }

 private:
  std::vector<LabelFormatItem> items_;
};

class DecolorizeStage : public Stage {
 public:
  bool Process(LineContext& ctx, StageState* s) const override {
    ctx.line = Decolorize(ctx.line, &static_cast<BufferState&>(*s).buffer);
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<BufferState>(); }
  bool RewritesLine() const override { return true; }
  std::string ToString() const override { return "| decolorize"; }
};

struct PatternState : StageState {
  std::vector<std::string_view> values;
  // Worked out on the first line (the stream and the needs are fixed for a state): the label
  // each named capture becomes, "" when it is not needed, and how many captures to read.
  bool planned = false;
  std::vector<std::string> labels;
  size_t captures = 0;
};

class PatternStage : public Stage {
 public:
  PatternStage(std::string text, Pattern pattern)
      : text_(std::move(text)), pattern_(std::move(pattern)) {}

  bool Process(LineContext& ctx, StageState* s) const override {
    auto& state = static_cast<PatternState&>(*s);
    if (ctx.wanted->None()) return true;
    if (!state.planned) Plan(*ctx.wanted, *ctx.labels, state);
    if (!pattern_.Extract(ctx.line, &state.values, state.captures)) return true;
    for (size_t i = 0; i < state.values.size(); ++i) {
      if (!state.labels[i].empty()) ctx.labels->Set(state.labels[i], state.values[i]);
    }
    return true;
  }
  std::unique_ptr<StageState> NewState() const override { return std::make_unique<PatternState>(); }
  // Extracts the same whatever is needed, and reports no error.
  bool HonoursValidate() const override { return true; }
  std::string LiteralForValue(std::string_view name, std::string_view value,
                              const LabelsBuilder& labels) const override {
    // A line without the capture has no label `name` (which a filter reads as ""), unless the
    // stream has one, which keeps its value (the capture is then name_extracted).
    if (value.empty() || labels.StreamHas(name)) return "";
    std::optional<std::string_view> before = pattern_.LiteralBefore(name);
    return before ? StrCat(*before, value) : "";
  }
  std::string ToString() const override { return "| pattern " + Quote(text_); }

 private:
  void Plan(const LabelNeeds& wanted, const LabelsBuilder& labels, PatternState& state) const {
    state.planned = true;
    std::string scratch;
    for (const std::string& name : pattern_.names()) {
      std::string_view label = labels.ExtractedName(name, &scratch);
      state.labels.emplace_back(wanted.Needs(label) ? label : "");
      if (!state.labels.back().empty()) state.captures = state.labels.size();
    }
  }

  std::string text_;
  Pattern pattern_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Stage>> MakeLineFormatStage(std::string text) {
  absl::StatusOr<Template> t = Template::Parse(text);
  if (!t.ok()) return t.status();
  return std::make_shared<LineFormatStage>(*std::move(t));
}

absl::StatusOr<std::shared_ptr<const Stage>> MakeLabelFormatStage(std::vector<LabelFormat> items) {
  std::vector<LabelFormatItem> compiled;
  std::set<std::string> seen;
  for (LabelFormat& item : items) {
    if (item.name == kErrorLabel) {
      return absl::InvalidArgumentError(StrCat(kErrorLabel, " cannot be formatted"));
    }
    if (!seen.insert(item.name).second) {
      return absl::InvalidArgumentError(
          StrCat("multiple label name '", item.name, "' not allowed in a single format operation"));
    }
    LabelFormatItem c{std::move(item), std::nullopt};
    if (!c.format.rename) {
      absl::StatusOr<Template> t = Template::Parse(c.format.value);
      if (!t.ok()) {
        return absl::InvalidArgumentError(
            StrCat("invalid template for label '", c.format.name, "': ", t.status().message()));
      }
      c.tmpl = *std::move(t);
    }
    compiled.push_back(std::move(c));
  }
  return std::make_shared<LabelFormatStage>(std::move(compiled));
}

std::shared_ptr<const Stage> MakeDecolorizeStage() { return std::make_shared<DecolorizeStage>(); }

absl::StatusOr<std::shared_ptr<const Stage>> MakePatternStage(std::string text) {
  absl::StatusOr<Pattern> pattern = Pattern::ForExtraction(text);
  if (!pattern.ok()) return pattern.status();
  return std::make_shared<PatternStage>(std::move(text), *std::move(pattern));
}

}  // namespace vigie::logql
