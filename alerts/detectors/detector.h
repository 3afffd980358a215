// Online anomaly detectors: each learns one curve's normal band from the curve itself (no
// per-curve settings) and scores every point in [0, 1] as it arrives, in O(1) time and bounded
// memory per series. The rules engine keeps one Detector per series of an `anomaly:` rule and
// stores its Serialize()d state, so that a restarted vigied goes on without relearning.
// docs/anomaly.md explains the model, the scores and the measured results.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::alerts::detectors {

// What a detector says about one point.
struct Verdict {
  // How anomalous the point is, in [0, 1]: 0.5 is the edge of the band below, higher is
  // further out (score = u / (1 + u), u the distance from the expected value in units of the
  // band's half-width). See ScoreThreshold for the thresholds of the sensitivities.
  double score = 0;
  // The score of a point that begins an episode, 0 for the other points. An episode is a run of
  // points at or above the band's edge (score >= 0.5) together with the points less than
  // kEpisodeQuietMs after its last such point: a long anomaly, or one that flaps around the
  // edge, has one onset. NAB asks when an anomaly begins and counts every later detection
  // outside its label window as a false positive, so `vigie anomaly score --onset` writes this;
  // rules use `score`, which stays high while the anomaly lasts (a `for:` needs that).
  double onset = 0;
  // The value expected at this moment (the learned level plus the daily or weekly shape when
  // one was detected) and the band of normal values around it (the values scoring < 0.5, unless
  // the move to the value is one the curve never made: `combined` then adds half a band
  // half-width, docs/anomaly.md).
  double expected = 0;
  double lower = 0;
  double upper = 0;
  // True while the detector has not seen enough data to be trusted (the first day and the
  // first 100 points): the score is computed but a rule must not fire on it.
  bool learning = true;
  // True when the point was not used at all: a NaN or infinite value (a missing sample, e.g.
  // a Prometheus stale marker), a timestamp before the previous point's, or one beyond
  // +-1e15 ms (the year 33658). Score is 0 then.
  bool skipped = false;
  // True when the point follows a gap of more than 10 typical sampling intervals. The gap
  // itself is the rules engine's to alert on (it sees no point during it); learning goes on
  // across it by the time of day and week.
  bool after_gap = false;
};

// How long the score must stay under the band's edge before a new episode can begin (onset).
inline constexpr int64_t kEpisodeQuietMs = 6 * 3600 * 1000;

// Which side of the band a rule alerts on.
enum class Direction { kUp, kDown, kBoth };
// How far outside the band a point must be for a rule to fire.
enum class Sensitivity { kLow, kMedium, kHigh };

// One curve's online detector. Not thread-safe: one owner per series.
class Detector {
 public:
  virtual ~Detector() = default;

  // Learns from and scores one point. Points must come in time order; see Verdict::skipped
  // for what is not used. Values beyond +-1e150 are treated as +-1e150. A timestamp equal to
  // the previous one is scored and learned as a new point.
  virtual Verdict Observe(int64_t timestamp_ms, double value) = 0;

  // Replaces *out with the complete state: a version byte, the detector's name, then the
  // learned state (<= 4 KiB). RestoreDetector turns it back into an identical detector.
  virtual void Serialize(std::string* out) const = 0;

  // The registry name this detector was made with.
  virtual std::string_view name() const = 0;
};

// The registry: the names NewDetector accepts, the default first.
const std::vector<std::string>& DetectorNames();
inline constexpr std::string_view kDefaultDetector = "combined";
// One line per detector for --help texts.
std::string DescribeDetectors();

// A new detector, knowing nothing. InvalidArgument names the known detectors when `name`
// is not one of them.
absl::StatusOr<std::unique_ptr<Detector>> NewDetector(std::string_view name = kDefaultDetector);

// A detector from Serialize()'s bytes. DataLoss when the bytes are truncated, corrupt or of an
// unknown version; never reads outside `bytes`.
absl::StatusOr<std::unique_ptr<Detector>> RestoreDetector(std::string_view bytes);

// The score from which a rule of this sensitivity fires (docs/anomaly.md has how they were
// chosen): high 0.5 (the band's edge: beyond the worst 0.5% of recent points), medium 0.56
// (NAB's standard profile's best threshold), low 0.63 (its reward_low_FP profile's).
double ScoreThreshold(Sensitivity sensitivity);

// The band for a sensitivity: the values whose score stays under ScoreThreshold(sensitivity).
// Verdict::lower/upper are the band at score 0.5.
struct Band {
  double lower = 0;
  double upper = 0;
};
Band BandFor(const Verdict& verdict, Sensitivity sensitivity);

// Whether a rule with this direction and sensitivity fires on the point: not learning, not
// skipped, score >= ScoreThreshold(sensitivity), and the value on the rule's side of the
// expected value (a direction-less change, e.g. a burst of variance, fires a kBoth rule, or
// the side the value is on).
bool Fires(const Verdict& verdict, double value, Direction direction, Sensitivity sensitivity);

// "up", "down", "both"; "low", "medium", "high". InvalidArgument otherwise, naming the choices.
absl::StatusOr<Direction> ParseDirection(std::string_view text);
absl::StatusOr<Sensitivity> ParseSensitivity(std::string_view text);
// The names ParseDirection and ParseSensitivity read.
std::string_view DirectionName(Direction direction);
std::string_view SensitivityName(Sensitivity sensitivity);

}  // namespace vigie::alerts::detectors
