#include "common/labels.h"

#include <algorithm>

#include "common/strings.h"
#include "common/utf8.h"
#include "common/varint.h"
#include "xxhash.h"

namespace vigie {

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string ReservedLabelMessage(std::string_view name) {
  return StrCat("label name \"", EscapeForMessage(name),
                "\" is reserved: names starting with __ are internal (as in Loki)");
}

std::vector<Label> OverrideLabels(std::vector<Label> automatic,
                                  const std::vector<Label>& explicit_labels) {
  std::erase_if(automatic, [&](const Label& a) {
    return std::any_of(explicit_labels.begin(), explicit_labels.end(),
                       [&](const Label& e) { return e.name == a.name; });
  });
  automatic.insert(automatic.end(), explicit_labels.begin(), explicit_labels.end());
  return automatic;
}

absl::StatusOr<LabelSet> LabelSet::Make(std::vector<Label> labels) {
  return Canonical(std::move(labels), /*keep_empty=*/false);
}

absl::StatusOr<LabelSet> LabelSet::MakeLogLineLabels(std::vector<Label> labels) {
  return Canonical(std::move(labels), /*keep_empty=*/true);
}

namespace {

// Validates the names of `labels` and puts them in canonical order: empty values dropped (unless
// kept), sorted by name, no name twice. For both owned labels and views.
template <typename L>
absl::Status Canonicalize(std::vector<L>& labels, bool keep_empty) {
  for (const L& l : labels) {
    if (!IsValidLabelName(l.name)) {
      return absl::InvalidArgumentError(
          StrCat("label name \"", EscapeForMessage(l.name),
                 "\" is invalid: names match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
  }
  if (!keep_empty) std::erase_if(labels, [](const L& l) { return l.value.empty(); });
  // Senders usually sort them already (Prometheus's remote_write must).
  if (!std::is_sorted(labels.begin(), labels.end())) std::sort(labels.begin(), labels.end());
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i].name == labels[i - 1].name) {
      return absl::InvalidArgumentError(
          StrCat("label \"", EscapeForMessage(labels[i].name), "\" is repeated"));
    }
  }
  return absl::OkStatus();
}

template <typename L>
void AppendEncodedLabels(const std::vector<L>& labels, std::string* out) {
  for (const L& l : labels) {
    PutVarint(out, l.name.size());
    out->append(l.name);
    PutVarint(out, l.value.size());
    out->append(l.value);
  }
}

}  // namespace

absl::StatusOr<LabelSet> LabelSet::Canonical(std::vector<Label> labels, bool keep_empty) {
  if (absl::Status st = Canonicalize(labels, keep_empty); !st.ok()) return st;
  return LabelSet(std::move(labels));
}

absl::Status AppendCanonicalEncoded(std::vector<LabelView>& labels, std::string* out) {
  if (absl::Status st = Canonicalize(labels, /*keep_empty=*/false); !st.ok()) return st;
  AppendEncodedLabels(labels, out);
  return absl::OkStatus();
}

namespace {

// A cursor over the text form, for Parse().
class LabelTextParser {
 public:
  explicit LabelTextParser(std::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<Label>> Run() {
    std::vector<Label> out;
    SkipSpace();
    if (!Consume('{')) return Error("'{'");
    SkipSpace();
    if (Consume('}')) return Finish(std::move(out));
    while (true) {
      SkipSpace();
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        ++pos_;
      if (pos_ == start) return Error("a label name");
      Label label{std::string(text_.substr(start, pos_ - start)), ""};
      SkipSpace();
      if (!Consume('=')) return Error("'='");
      SkipSpace();
      if (!Consume('"')) return Error("'\"' opening the value");
      bool closed = false;
      while (pos_ < text_.size()) {
        char c = text_[pos_++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && pos_ < text_.size()) {
          char e = text_[pos_++];
          label.value.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
        } else {
          label.value.push_back(c);
        }
      }
      if (!closed) return Error("'\"' closing the value");
      out.push_back(std::move(label));
      SkipSpace();
      if (Consume('}')) return Finish(std::move(out));
      if (!Consume(',')) return Error("',' or '}'");
    }
  }

 private:
  absl::StatusOr<std::vector<Label>> Finish(std::vector<Label> out) {
    SkipSpace();
    if (pos_ != text_.size()) return Error("end of input");
    return out;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  absl::Status Error(std::string_view expected) const {
    return absl::InvalidArgumentError(StrCat("label set \"", EscapeForMessage(text_, 256),
                                             "\": at position ", pos_, " expected ", expected));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<LabelSet> LabelSet::Parse(std::string_view text) {
  auto labels = LabelTextParser(text).Run();
  if (!labels.ok()) return labels.status();
  return Make(*std::move(labels));
}

absl::StatusOr<LabelSet> LabelSet::Decode(std::string_view bytes) {
  std::vector<Label> labels;
  while (!bytes.empty()) {
    Label l;
    for (std::string* field : {&l.name, &l.value}) {
      uint64_t n;
      if (!GetVarint(&bytes, &n) || n > bytes.size()) {
        return absl::DataLossError("corrupt label set encoding");
      }
      field->assign(bytes.substr(0, n));
      bytes.remove_prefix(n);
    }
    labels.push_back(std::move(l));
  }
  return Make(std::move(labels));
}

std::string_view LabelSet::Get(std::string_view name) const {
  for (const Label& l : labels_) {
    if (l.name == name) return l.value;
  }
  return {};
}

std::string LabelSet::ToString() const {
  std::string out = "{";
  for (const Label& l : labels_) {
    if (out.size() > 1) out += ", ";
    StrAppend(&out, l.name, "=\"");
    for (char c : l.value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string LabelSet::Encode() const {
  std::string out;
  AppendEncoded(&out);
  return out;
}

void LabelSet::AppendEncoded(std::string* out) const { AppendEncodedLabels(labels_, out); }

uint64_t LabelSet::Hash() const {
  // Hashed on every push of every stream and series: a buffer per thread, no allocation.
  thread_local std::string encoded;
  encoded.clear();
  AppendEncoded(&encoded);
  return HashEncodedLabels(encoded);
}

uint64_t HashEncodedLabels(std::string_view encoded) {
  return XXH3_64bits(encoded.data(), encoded.size());
}

std::string DescribeEncodedLabels(std::string_view encoded) {
  absl::StatusOr<LabelSet> labels = LabelSet::Decode(encoded);
  return labels.ok() ? labels->ToString() : "{?}";
}

LabelSet LabelSet::Project(const std::vector<std::string>& names, bool keep) const {
  std::vector<Label> out;
  for (const Label& l : labels_) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (listed == keep) out.push_back(l);
  }
  return LabelSet(std::move(out));
}

}  // namespace vigie
