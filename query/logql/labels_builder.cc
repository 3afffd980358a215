#include "query/logql/labels_builder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/utf8.h"

namespace vigie::logql {
namespace {

void AppendSized(std::string* out, std::string_view s) {
  uint32_t size = static_cast<uint32_t>(s.size());
  out->append(reinterpret_cast<const char*>(&size), sizeof(size));
  out->append(s);
}

}  // namespace

LabelsBuilder::LabelsBuilder(const LabelSet* stream) : stream_(stream), current_(stream) {}

void LabelsBuilder::Reset() {
  used_ = 0;
  current_ = stream_;
  if (chunks_.size() > 1) {
    // The last line needed more than one chunk: one that holds as much serves the next lines.
    size_t total = 0;
    for (const Chunk& c : chunks_) total += c.size;
    chunks_.clear();
    chunks_.push_back({std::make_unique<char[]>(total), total});
  }
  chunk_used_ = 0;
  error_.clear();
  error_details_.clear();
}

const std::string* LabelsBuilder::ValueIn(const LabelSet& labels, std::string_view name) {
  auto it = std::lower_bound(labels.labels().begin(), labels.labels().end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  return it != labels.labels().end() && it->name == name ? &it->value : nullptr;
}

bool LabelsBuilder::StreamHas(std::string_view name) const {
  return ValueIn(*stream_, name) != nullptr;
}

bool LabelsBuilder::Changed(std::string_view name) const {
  if (name == kErrorLabel) return HasError();
  if (name == kErrorDetailsLabel) return !error_details_.empty();
  return FindChange(name) != nullptr;
}

void LabelsBuilder::ReplaceWith(const LabelSet* labels) {
  current_ = labels;
  used_ = 0;
  error_.clear();
  error_details_.clear();
}

bool LabelsBuilder::Unchanged() const {
  if (!error_.empty()) return false;
  if (used_ == 0) return true;  // Details left without their error (| drop __error__) included.
  if (!error_details_.empty()) return false;
  for (size_t i = 0; i < used_; ++i) {
    if (!changes_[i].deleted || ValueIn(*current_, changes_[i].name) != nullptr) return false;
  }
  return true;
}

std::string_view LabelsBuilder::ExtractedName(std::string_view name, std::string* scratch) const {
  if (!StreamHas(name)) return name;
  scratch->assign(name);
  scratch->append(kExtractedSuffix);
  return *scratch;
}

std::string_view LabelsBuilder::Store(std::string_view s) {
  if (s.empty()) return {};
  if (chunks_.empty() || s.size() > chunks_.back().size - chunk_used_) {
    constexpr size_t kMinChunk = 4096;
    const size_t size = std::max(kMinChunk, s.size());
    chunks_.push_back({std::make_unique<char[]>(size), size});
    chunk_used_ = 0;
  }
  char* at = chunks_.back().data.get() + chunk_used_;
  memcpy(at, s.data(), s.size());
  chunk_used_ += s.size();
  return {at, s.size()};
}

const LabelsBuilder::Change* LabelsBuilder::FindChange(std::string_view name) const {
  for (size_t i = 0; i < used_; ++i) {
    if (changes_[i].name == name) return &changes_[i];
  }
  return nullptr;
}

std::optional<std::string_view> LabelsBuilder::Get(std::string_view name) const {
  if (name == kErrorLabel)
    return HasError() ? std::optional<std::string_view>(error_) : std::nullopt;
  if (name == kErrorDetailsLabel) {
    return error_details_.empty() ? std::nullopt : std::optional<std::string_view>(error_details_);
  }
  if (const Change* c = FindChange(name)) {
    return c->deleted ? std::nullopt : std::optional<std::string_view>(c->value);
  }
  const std::string* value = ValueIn(*current_, name);
  return value ? std::optional<std::string_view>(*value) : std::nullopt;
}

void LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (name == kErrorLabel || name == kErrorDetailsLabel) {
    (name == kErrorLabel ? error_ : error_details_).assign(value);
    return;
  }
  Change* c = FindChange(name);
  if (c == nullptr) {
    if (used_ == changes_.size()) changes_.emplace_back();
    c = &changes_[used_++];
    c->name = Store(name);
  }
  c->value = Store(value);
  c->deleted = false;
}

void LabelsBuilder::Delete(std::string_view name) {
  if (name == kErrorLabel) {
    error_.clear();
    return;
  }
  if (name == kErrorDetailsLabel) {
    error_details_.clear();
    return;
  }
  if (Change* c = FindChange(name)) {
    c->deleted = true;
  } else if (ValueIn(*current_, name) != nullptr) {
    Set(name, "");
    FindChange(name)->deleted = true;
  }
}

void LabelsBuilder::SetError(std::string_view error, std::string_view details) {
  error_.assign(error);
  error_details_.assign(details);
}

const LabelSet& LabelsBuilder::Intern(bool keep_empty) {
  if (Unchanged()) return *current_;
  scratch_labels_.clear();
  ForEach([this, keep_empty](std::string_view name, std::string_view value) {
    if (keep_empty || !value.empty()) scratch_labels_.emplace_back(name, value);
  });
  if (!error_.empty()) scratch_labels_.emplace_back(kErrorLabel, error_);
  if (!error_details_.empty()) scratch_labels_.emplace_back(kErrorDetailsLabel, error_details_);
  std::sort(scratch_labels_.begin(), scratch_labels_.end());
  scratch_key_.clear();
  for (const auto& [name, value] : scratch_labels_) {
    AppendSized(&scratch_key_, name);
    AppendSized(&scratch_key_, value);
  }
  auto it = interned_.find(std::string_view(scratch_key_));
  if (it != interned_.end()) return *it->second;
  std::vector<Label> labels;
  labels.reserve(scratch_labels_.size());
  for (const auto& [name, value] : scratch_labels_) {
    // Values go out in protobuf strings and JSON: what is not UTF-8 (a regexp group of a binary
    // line) becomes U+FFFD.
    labels.push_back(
        {std::string(name), IsValidUtf8(value) ? std::string(value) : ValidUtf8(value)});
  }
  // Names are valid by construction (stages sanitise them) and unique (one value per name).
  absl::StatusOr<LabelSet> made = keep_empty ? LabelSet::MakeLogLineLabels(std::move(labels))
                                             : LabelSet::Make(std::move(labels));
  auto owned = made.ok() ? std::make_unique<LabelSet>(*std::move(made))
                         : std::make_unique<LabelSet>(*current_);
  return *interned_.emplace(scratch_key_, std::move(owned)).first->second;
}

}  // namespace vigie::logql
