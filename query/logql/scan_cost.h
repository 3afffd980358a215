// Where a log query's CPU goes, phase by phase (docs/logql.md, "Query statistics"): reading the
// stored blocks, decompressing them, the line filters, each stage of the pipeline, and what
// becomes of the lines that pass. Measured per block (a thread's CPU clock), never per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::logql {

// The names of the phases that are not pipeline stages (those are named as written: `| json`).
inline constexpr std::string_view kPhaseRead = "read";
inline constexpr std::string_view kPhaseDecompress = "decompress";
inline constexpr std::string_view kPhaseLineFilter = "line filter";
// After the pipeline: the labels of the lines that pass made into sets, their samples (unwrap).
inline constexpr std::string_view kPhaseOutput = "output";
// ScanBlocks only: the consumer of each block's lines (a metric query's aggregation).
inline constexpr std::string_view kPhaseAggregate = "aggregate";
// ScanLines only: the calling thread's time (merging blocks in time order, handing lines to the
// caller, which encodes and sends them).
inline constexpr std::string_view kPhaseEmit = "emit";

// One phase: its CPU time, and the lines and bytes it took in and let through. For "read",
// bytes_out is the blocks' stored size; for "decompress", bytes_in that and bytes_out their
// decompressed size; from "line filter" on, lines and bytes are those of log lines (in the query's
// range) as each phase receives and keeps them.
struct PhaseCost {
  std::string name;
  int64_t cpu_ns = 0;
  uint64_t lines_in = 0, lines_out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;

  void Add(const PhaseCost& other) {
    cpu_ns += other.cpu_ns;
    lines_in += other.lines_in;
    lines_out += other.lines_out;
    bytes_in += other.bytes_in;
    bytes_out += other.bytes_out;
  }
};

struct ScanCost {
  // The CPU time of the scan's threads while they worked on it: the phases are disjoint parts of
  // it, so they add up to at most this.
  int64_t cpu_ns = 0;
  std::vector<PhaseCost> phases;  // In the order the lines go through them.

  // The phase named `name`, appended (empty) if there is none.
  PhaseCost& Phase(std::string_view name) {
    for (PhaseCost& p : phases) {
      if (p.name == name) return p;
    }
    phases.push_back({std::string(name)});
    return phases.back();
  }
  // Adds `other`'s figures, phase by phase (by name: the scans of a metric query's leaves may
  // have different pipelines).
  void Add(const ScanCost& other) {
    cpu_ns += other.cpu_ns;
    for (const PhaseCost& p : other.phases) Phase(p.name).Add(p);
  }
};

}  // namespace vigie::logql
