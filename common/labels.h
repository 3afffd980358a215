// Label sets: the identity of a log stream (and later of a series).
//
// A LabelSet is kept in canonical form: sorted by name, no duplicate names, every name
// matching [a-zA-Z_][a-zA-Z0-9_]*, no empty values (an empty value means "label absent", as in
// Prometheus and Loki). The one exception is the labels of a LogQL log query's lines, made by
// MakeLogLineLabels: Loki shows the labels a pipeline stage set to "" there. Its 64-bit id is the
// XXH3 hash of its canonical encoding; the label set is stored beside the id so that a collision is
// detected rather than silently merging streams.
//
// Thread safety: a LabelSet is a value type; const methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie {

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

// A label whose name and value live elsewhere (a received request's bytes): what the ingest
// path validates and encodes without a string per label.
struct LabelView {
  std::string_view name;
  std::string_view value;
  bool operator==(const LabelView&) const = default;
  auto operator<=>(const LabelView&) const = default;
};

// Puts `labels` in canonical form in place, as LabelSet::Make does (the same checks and
// messages), and appends their LabelSet::Encode() form to *out. On an error *out is unchanged.
absl::Status AppendCanonicalEncoded(std::vector<LabelView>& labels, std::string* out);
// The id of the labels whose LabelSet::Encode() form is `encoded`: LabelSet::Hash() without
// decoding them.
uint64_t HashEncodedLabels(std::string_view encoded);
// The text form ({a="b"}) of labels in LabelSet::Encode() form, for messages ("{?}" if corrupt).
std::string DescribeEncodedLabels(std::string_view encoded);

class LabelSet {
 public:
  LabelSet() = default;

  // Validates and canonicalises `labels` (sorts them, drops empty values). Fails with
  // InvalidArgument naming the offending label when a name is malformed or repeated.
  static absl::StatusOr<LabelSet> Make(std::vector<Label> labels);
  // The same, keeping the labels whose value is empty: only for the labels of a LogQL log
  // query's line (| logfmt --keep-empty, | json a="missing.path", | label_format a=""), which
  // Loki keeps and shows. Never for a stored stream, a series or a metric query's result.
  static absl::StatusOr<LabelSet> MakeLogLineLabels(std::vector<Label> labels);

  // Parses the Prometheus text form `{a="b", c="d"}` (as in Loki's push API), with the
  // escapes \\ \" \n \t. Fails with InvalidArgument naming the position and what was expected.
  static absl::StatusOr<LabelSet> Parse(std::string_view text);

  // Decodes the binary form written by Encode(). Fails on corrupt input.
  static absl::StatusOr<LabelSet> Decode(std::string_view bytes);

  const std::vector<Label>& labels() const { return labels_; }
  bool empty() const { return labels_.empty(); }
  size_t size() const { return labels_.size(); }

  // The value of `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;

  // Prometheus text form: {a="b", c="d"}, values escaped.
  std::string ToString() const;
  // Compact binary form: for each label, varint name length, name, varint value length, value.
  std::string Encode() const;
  // Appends Encode() to *out (no allocation when *out has room).
  void AppendEncoded(std::string* out) const;
  // XXH3-64 of Encode(): the stream id.
  uint64_t Hash() const;

  // Keeps only the labels whose names are in `names` (keep=true) or not in it (keep=false).
  LabelSet Project(const std::vector<std::string>& names, bool keep) const;

  bool operator==(const LabelSet&) const = default;
  auto operator<=>(const LabelSet&) const = default;

 private:
  explicit LabelSet(std::vector<Label> sorted) : labels_(std::move(sorted)) {}
  static absl::StatusOr<LabelSet> Canonical(std::vector<Label> labels, bool keep_empty);
  std::vector<Label> labels_;
};

// True when `name` matches [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);
// True when `name` is a Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);

// Names starting with "__" are reserved, as in Loki and Prometheus (__name__, __error__...):
// a log stream cannot have them. ReservedLabelMessage says so, naming the label.
inline bool IsReservedLabelName(std::string_view name) { return name.starts_with("__"); }
std::string ReservedLabelMessage(std::string_view name);

// `automatic` (labels a client adds by itself: host, file, app...) with `explicit_labels` (what
// the user configured or asked for) added, each replacing an automatic label of the same name:
// what the user says wins.
std::vector<Label> OverrideLabels(std::vector<Label> automatic,
                                  const std::vector<Label>& explicit_labels);

}  // namespace vigie
