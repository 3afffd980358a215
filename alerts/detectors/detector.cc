#include "alerts/detectors/detector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "alerts/detectors/seasonal_band.h"
#include "alerts/detectors/state_codec.h"
#include "common/strings.h"

namespace vigie::alerts::detectors {

namespace {

// Version 2 appends the model's recurrence memory and the episode (Verdict::onset) to version
// 1's state; version 3 keeps the weekly shape in 16 bits and adds the context (ContextNovelty)
// before the episode; version 4 adds ContextOse after it; version 5 adds ContextOse's growing
// quantisation. Older states are read as "nothing recurs yet, no episode in progress, no context
// learned yet, the growing quantisation a copy of the frozen one" (docs/anomaly.md, State
// format).
constexpr uint8_t kStateVersion = 5;
constexpr uint8_t kOldestStateVersion = 1;
// The score from which a point belongs to an episode: the band's edge.
constexpr double kEpisodeScore = 0.5;
// The model uses no timestamp beyond +-1e15 ms (Verdict::skipped): a stored episode time beyond
// it is corrupt (and would overflow the difference in Observe).
constexpr int64_t kMaxAbsEpisodeMs = 1'000'000'000'000'000;

// How a detector turns the model's signals into one residual (in band half-widths).
using Combine = double (*)(const Signals&);

// In `combined`, the context signal counts for this fraction: a shape unlike the last day's
// alone fires only 1.25 times beyond its own 0.5% tail. It corroborates the band more than it
// stands alone: at full weight it doubles the episodes of noisy curves (docs/anomaly.md).
constexpr double kContextWeight = 0.8;
// A move between levels never made before (ContextOse) adds this many half-widths to the
// largest signal (half of it when only one of its two quantisations finds the move new): alone
// it stays under the band's edge; it lifts a point already halfway out.
// As one more term of the max it raised an episode for every novel move (NAB -4.4); added,
// +1.1 on the 35 curves and +10.9 on NAB's 23 others, which nothing was tuned on
// (docs/anomaly.md).
constexpr double kNovelContextWeight = 0.5;

struct Kind {
  std::string_view name;
  std::string_view help;
  Combine combine;
};

constexpr Kind kKinds[] = {
    {"combined",
     "the default: the largest of band, shift, a flat-line signal (a moving curve stuck on one "
     "value) and context, raised when context_ose finds a move never made before (more when "
     "both its quantisations do)",
     [](const Signals& s) {
       return std::max({s.band, s.shift, s.flat, kContextWeight * s.context}) +
              kNovelContextWeight * s.novel_context;
     }},
    {"band", "a point outside the learned daily/weekly band (spikes, dips, contextual drops)",
     [](const Signals& s) { return s.band; }},
    {"shift", "a sustained departure from the band (level shifts, variance bursts, drifts)",
     [](const Signals& s) { return s.shift; }},
    {"local", "a jump away from the last hours' level, ignoring any daily/weekly shape",
     [](const Signals& s) { return s.local; }},
    {"context",
     "the last points' shape unlike any of the last day's (a change of pattern inside the "
     "normal range)",
     [](const Signals& s) { return s.context; }},
    {"context_ose",
     "a move between quantised levels that the curve never made before, as CAD OSE, on the "
     "warm-up's frozen range or on a range grown with the curve (score 1 when novel to either, "
     "else 0)",
     [](const Signals& s) {
       return s.novel_context > 0 ? std::numeric_limits<double>::infinity() : 0.0;
     }},
};

const Kind* FindKind(std::string_view name) {
  for (const Kind& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

class BandDetector final : public Detector {
 public:
  explicit BandDetector(const Kind* kind) : kind_(kind) {}

  Verdict Observe(int64_t timestamp_ms, double value) override {
    Signals s = model_.Observe(timestamp_ms, value);
    Verdict v;
    v.learning = s.learning;
    v.skipped = s.skipped;
    v.after_gap = s.after_gap;
    v.expected = s.expected;
    v.lower = s.expected - s.half_width;
    v.upper = s.expected + s.half_width;
    if (!s.skipped) {
      double u = kind_->combine(s);
      v.score = std::isfinite(u) ? u / (1 + u) : 1;
      bool quiet = !in_episode_ || timestamp_ms - episode_last_ms_ > kEpisodeQuietMs;
      if (quiet) v.onset = v.score;
      if (v.score >= kEpisodeScore) {
        in_episode_ = true;
        episode_last_ms_ = timestamp_ms;
      }
    }
    return v;
  }

  void Serialize(std::string* out) const override {
    out->clear();
    StateWriter w(out);
    w.U8(kStateVersion);
    w.U8(static_cast<uint8_t>(kind_->name.size()));
    out->append(kind_->name);
    model_.Encode(&w);
    w.U8(in_episode_);
    w.I64(episode_last_ms_);
  }

  // Reads what Serialize wrote after the name; version 1 states end before the episode.
  void Decode(StateReader* r, uint8_t version) {
    model_.Decode(r, version);
    if (version >= 2) {
      uint8_t in_episode = r->U8();
      if (in_episode > 1) r->Fail();
      in_episode_ = in_episode == 1;
      episode_last_ms_ = r->I64();
      if (episode_last_ms_ < -kMaxAbsEpisodeMs || episode_last_ms_ > kMaxAbsEpisodeMs) r->Fail();
    }
  }

  std::string_view name() const override { return kind_->name; }

 private:
  const Kind* kind_;
  SeasonalBand model_;
  // The episode in progress, if any, and the time of its last point at or above the edge.
  bool in_episode_ = false;
  int64_t episode_last_ms_ = 0;
};

}  // namespace

const std::vector<std::string>& DetectorNames() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>;
    for (const Kind& k : kKinds) v->emplace_back(k.name);
    return v;
  }();
  return *names;
}

std::string DescribeDetectors() {
  std::string out;
  for (const Kind& k : kKinds) StrAppend(&out, k.name, ": ", k.help, "\n");
  return out;
}

absl::StatusOr<std::unique_ptr<Detector>> NewDetector(std::string_view name) {
  const Kind* kind = FindKind(name);
  if (kind == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("unknown detector '", name, "'; known: ", absl::StrJoin(DetectorNames(), ", ")));
  }
  return std::make_unique<BandDetector>(kind);
}

absl::StatusOr<std::unique_ptr<Detector>> RestoreDetector(std::string_view bytes) {
  StateReader r(bytes);
  uint8_t version = r.U8();
  if (!r.ok()) return absl::DataLossError("anomaly detector state: empty");
  if (version < kOldestStateVersion || version > kStateVersion) {
    return absl::DataLossError(StrCat("anomaly detector state: unknown version ", version,
                                      " (this build reads versions ", kOldestStateVersion, " to ",
                                      kStateVersion, ")"));
  }
  uint8_t name_size = r.U8();
  std::string name;
  for (int i = 0; i < name_size && r.ok(); ++i) name.push_back(static_cast<char>(r.U8()));
  const Kind* kind = r.ok() ? FindKind(name) : nullptr;
  if (kind == nullptr) {
    return absl::DataLossError(
        StrCat("anomaly detector state: unknown or truncated detector name '", name, "'"));
  }
  auto detector = std::make_unique<BandDetector>(kind);
  detector->Decode(&r, version);
  if (!r.ok() || !r.at_end()) {
    return absl::DataLossError(StrCat("anomaly detector state of '", name,
                                      "': corrupt or truncated (", bytes.size(), " bytes)"));
  }
  return detector;
}

double ScoreThreshold(Sensitivity sensitivity) {
  switch (sensitivity) {
    case Sensitivity::kHigh:
      return 0.5;
    case Sensitivity::kMedium:
      return 0.56;
    case Sensitivity::kLow:
      return 0.63;
  }
  return 0.56;
}

Band BandFor(const Verdict& verdict, Sensitivity sensitivity) {
  // score = u / (1 + u): the threshold t is reached at u = t / (1 - t) half-widths.
  double t = ScoreThreshold(sensitivity);
  double half = (verdict.upper - verdict.expected) * t / (1 - t);
  return {verdict.expected - half, verdict.expected + half};
}

bool Fires(const Verdict& verdict, double value, Direction direction, Sensitivity sensitivity) {
  if (verdict.learning || verdict.skipped || verdict.score < ScoreThreshold(sensitivity)) {
    return false;
  }
  switch (direction) {
    case Direction::kUp:
      return value >= verdict.expected;
    case Direction::kDown:
      return value <= verdict.expected;
    case Direction::kBoth:
      return true;
  }
  return false;
}

namespace {

// The names rule files and flags use, one table per choice for parsing and printing.
constexpr std::pair<Direction, std::string_view> kDirections[] = {
    {Direction::kUp, "up"}, {Direction::kDown, "down"}, {Direction::kBoth, "both"}};
constexpr std::pair<Sensitivity, std::string_view> kSensitivities[] = {
    {Sensitivity::kLow, "low"}, {Sensitivity::kMedium, "medium"}, {Sensitivity::kHigh, "high"}};

template <typename T, size_t N>
absl::StatusOr<T> ParseChoice(const std::pair<T, std::string_view> (&table)[N],
                              std::string_view what, std::string_view text) {
  for (const auto& [value, name] : table) {
    if (text == name) return value;
  }
  return absl::InvalidArgumentError(StrCat(
      what, " '", text, "' is not one of ",
      absl::StrJoin(table, ", ",
                    [](std::string* out, const auto& entry) { out->append(entry.second); })));
}

template <typename T, size_t N>
std::string_view ChoiceName(const std::pair<T, std::string_view> (&table)[N], T value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "";
}

}  // namespace

absl::StatusOr<Direction> ParseDirection(std::string_view text) {
  return ParseChoice(kDirections, "direction", text);
}

absl::StatusOr<Sensitivity> ParseSensitivity(std::string_view text) {
  return ParseChoice(kSensitivities, "sensitivity", text);
}

std::string_view DirectionName(Direction direction) { return ChoiceName(kDirections, direction); }

std::string_view SensitivityName(Sensitivity sensitivity) {
  return ChoiceName(kSensitivities, sensitivity);
}

}  // namespace vigie::alerts::detectors
