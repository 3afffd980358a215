// The labels of one log line while a pipeline runs on it: the labels of its stream, changed by
// the stages (parsers add the labels they extract, drop and keep remove some), and the error a
// stage reported, which shows as the labels __error__ and __error_details__ (as in Loki).
//
// Thread safety: none; one builder per StreamPipeline, used by one thread at a time. The stream's
// LabelSet is not owned and must outlive the builder.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/labels.h"

namespace vigie::logql {

// The labels through which stages report errors, and the suffix of an extracted label whose name
// a stream label already has.
inline constexpr std::string_view kErrorLabel = "__error__";
inline constexpr std::string_view kErrorDetailsLabel = "__error_details__";
inline constexpr std::string_view kExtractedSuffix = "_extracted";

// The values of __error__, as Loki names them.
inline constexpr std::string_view kJsonParserErr = "JSONParserErr";
inline constexpr std::string_view kLogfmtParserErr = "LogfmtParserErr";
inline constexpr std::string_view kLabelFilterErr = "LabelFilterErr";

class LabelsBuilder {
 public:
  explicit LabelsBuilder(const LabelSet* stream);
  LabelsBuilder(const LabelsBuilder&) = delete;
  LabelsBuilder& operator=(const LabelsBuilder&) = delete;

  // Back to the stream's labels and no error, for the next line. Keeps the allocated memory.
  void Reset();

  const LabelSet& stream() const { return *stream_; }
  // Whether a stage set, deleted or (for __error__ and __error_details__) reported `name` since
  // Reset(): when it did not, its value is the stream's.
  bool Changed(std::string_view name) const;
  // Makes `labels` the current labels, with no error: Get, ForEach, Labels() and LineLabels()
  // then answer `labels` itself (not a copy), until Reset(). For a caller that knows a line's
  // final labels without building them (a sample whose series is a projection of its stream's
  // labels, made once per stream). `labels` is not owned and must outlive that use.
  void ReplaceWith(const LabelSet* labels);
  // Whether the stream has a label `name` (Loki's BaseHas): an extracted label of that name is
  // then called name + "_extracted".
  bool StreamHas(std::string_view name) const;
  // The name a parser gives a label it extracts as `name`: `name` itself, or name_extracted (in
  // *scratch) when the stream has a label `name`.
  std::string_view ExtractedName(std::string_view name, std::string* scratch) const;

  // The current value of `name`, nullopt when absent. A label may be present with an empty value
  // (| logfmt --keep-empty, | json on "a":""): a numeric filter then fails to convert it, where
  // an absent label drops the line. __error__ and __error_details__ give the error.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Sets `name`, which must be a valid label name (stages sanitise what they extract).
  void Set(std::string_view name, std::string_view value);
  // Removes `name`; __error__ and __error_details__ clear the error or its details.
  void Delete(std::string_view name);

  bool HasError() const { return !error_.empty(); }
  std::string_view error() const { return error_; }
  std::string_view error_details() const { return error_details_; }
  // Sets __error__ and __error_details__ (replacing an earlier error, as Loki's parsers do; the
  // label filters keep the first one, see label_filter.h).
  void SetError(std::string_view error, std::string_view details = {});

  // Calls fn(name, value) for each current label except the error labels, in no given order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Label& l : current_->labels()) {
      if (FindChange(l.name) == nullptr) fn(std::string_view(l.name), std::string_view(l.value));
    }
    for (size_t i = 0; i < used_; ++i) {
      if (!changes_[i].deleted)
        fn(std::string_view(changes_[i].name), std::string_view(changes_[i].value));
    }
  }

  // The current labels as a LabelSet, with __error__ and __error_details__ when set, for a
  // metric query's series: without the labels whose value is empty (Prometheus's model, where an
  // empty label is an absent one). Equal sets give the same object, which the builder owns: the
  // reference stays valid as long as the builder lives.
  const LabelSet& Labels() { return Intern(/*keep_empty=*/false); }
  // The same for a log query's line: with the labels a stage set to the empty value (| logfmt
  // --keep-empty, | json a="missing.path", | label_format a=""), which Loki keeps and shows, so
  // that {user=""} is a result stream of its own (see LabelSet::MakeLogLineLabels).
  const LabelSet& LineLabels() { return Intern(/*keep_empty=*/true); }

 private:
  // A label a stage set or deleted. Name and value point into arena_ (or at a constant).
  struct Change {
    std::string_view name;
    std::string_view value;
    bool deleted = false;
  };
  // Copies `s` into the arena: the view stays valid until Reset(), whatever is copied after it.
  std::string_view Store(std::string_view s);
  const Change* FindChange(std::string_view name) const;
  Change* FindChange(std::string_view name) {
    return const_cast<Change*>(std::as_const(*this).FindChange(name));
  }
  // The value of `name` in `labels`, or null.
  static const std::string* ValueIn(const LabelSet& labels, std::string_view name);
  // Whether the current labels are current_'s as they are: no error, and every change a deleted
  // label that current_ does not have (a parser's label that sample extraction dropped).
  bool Unchanged() const;
  const LabelSet& Intern(bool keep_empty);

  const LabelSet* stream_;
  // The labels the changes apply to: the stream's, or those of ReplaceWith.
  const LabelSet* current_;
  // Changes to the stream's labels since Reset(): entries [0, used_) are live. Most lines set
  // the same few labels, so the entries (and the arena's first chunk) are reused, not freed.
  std::vector<Change> changes_;
  size_t used_ = 0;
  // The bytes of the names and values of the current line, in chunks that never move (a stage
  // may hold a view of a value while it sets another label). Chunks after the first are freed
  // by Reset() only when a line needed more than the first.
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  std::vector<Chunk> chunks_;
  size_t chunk_used_ = 0;  // Of chunks_.back().
  std::string error_, error_details_;

  // Intern(): the label sets made so far, by their names and values (a set with an empty value
  // has a key of its own, so the two kinds of set never mix).
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<LabelSet>, KeyHash, std::equal_to<>> interned_;
  std::vector<std::pair<std::string_view, std::string_view>> scratch_labels_;
  std::string scratch_key_;
};

}  // namespace vigie::logql
