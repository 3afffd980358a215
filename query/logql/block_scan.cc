#include "query/logql/block_scan.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/literal_search.h"
#include "query/logql/regex_prefilter.h"
#include "store/ngram_filter.h"

namespace vigie::logql {

namespace {

// Index of the first entry of `block` with ts >= t (entries are sorted by time).
size_t FirstAtOrAfter(const store::DecodedBlock& block, int64_t t) {
  size_t lo = 0, hi = block.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (block.ts(mid) < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Whether lines [first, last) of `block` are each valid UTF-8, as the regex prefilter needs: the
// text is, and no line begins inside a character (with a continuation byte).
bool LinesAreUtf8(const store::DecodedBlock& block, size_t first, size_t last) {
  std::string_view all = block.lines();
  const size_t end = block.offset(last);
  if (!IsValidUtf8(all.substr(block.offset(first), end - block.offset(first)))) return false;
  for (size_t i = first; i < last; ++i) {
    if (block.offset(i) < end && (static_cast<unsigned char>(all[block.offset(i)]) & 0xC0) == 0x80)
      return false;
  }
  return true;
}

struct Work {
  store::BlockInfo info;
  size_t stream_index;
  uint64_t first_position;  // Of the block's first entry in its stream (ScannedLine::position).
};

// A block in the merge: its next line to emit. The merge orders blocks, not lines, so a line
// costs a comparison or two and no heap entry of its own.
struct Cursor {
  int64_t ts;     // Of the next line.
  size_t order;   // Position of the block in the scan order: breaks ties deterministically.
  uint32_t at;    // Index into block->lines of the next line.
  uint32_t left;  // Lines still to emit, the next one included.
  std::shared_ptr<BlockMatches> block;
};

// Decoded blocks that the consumer is done with, for the workers to decode the next ones into.
// A block's buffer is large (glibc maps it on its own, server/main.cc): allocating one per block
// cost a fault per page of it and an unmap, a fifth of a parser query's CPU. Thread-safe.
class BlockPool : public std::enable_shared_from_this<BlockPool> {
 public:
  explicit BlockPool(size_t keep) : keep_(keep) {}

  // An empty BlockMatches whose block reuses a returned one's buffers; the block goes back to
  // the pool when the last reference is dropped.
  std::shared_ptr<BlockMatches> New() {
    auto matches = new BlockMatches;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        matches->block = std::move(free_.back());
        free_.pop_back();
      }
    }
    return std::shared_ptr<BlockMatches>(matches, [pool = shared_from_this()](BlockMatches* m) {
      pool->Return(std::move(m->block));
      delete m;
    });
  }

 private:
  void Return(store::DecodedBlock block) {
    std::lock_guard lock(mu_);
    if (free_.size() < keep_) free_.push_back(std::move(block));
  }

  const size_t keep_;
  std::mutex mu_;
  std::vector<store::DecodedBlock> free_;
};

// Decodes and filters blocks on worker threads, at most `window` ahead of the consumer, and
// hands them over in scan order; or, with `on_block`, hands each block to it on the worker and
// only its status and size to the consumer.
class ReadAhead {
 public:
  // Adds what the workers spent to `cost` when they are done.
  ReadAhead(const store::LogReader& reader, const std::vector<Work>& work, const LineFilter& filter,
            const ScanOptions& options, ScanCost* cost, const BlockFn* on_block = nullptr)
      : reader_(reader),
        work_(work),
        filter_(filter),
        options_(options),
        on_block_(on_block),
        results_(work.size()),
        window_(static_cast<size_t>(options.threads) * 2),
        pool_(std::make_shared<BlockPool>(window_ + 2)),
        cost_(cost) {
    int n = std::min<int>(options.threads, static_cast<int>(work.size()));
    costs_.resize(n);
    for (int i = 0; i < n; ++i) workers_.emplace_back([this, i] { Run(i); });
  }
  ~ReadAhead() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    for (const WorkerCost& w : costs_) w.AddTo(on_block_ != nullptr, cost_);
  }

  // Blocks until block `i` is ready; hands it over (or its error; null with on_block) and the
  // bytes it scanned.
  absl::Status Take(size_t i, std::shared_ptr<BlockMatches>* out, uint64_t* bytes_scanned) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return results_[i].done; });
    consumed_ = i + 1;
    cv_.notify_all();
    *out = std::move(results_[i].matches);
    *bytes_scanned = results_[i].bytes_scanned;
    return results_[i].status;
  }

 private:
  struct Slot {
    bool done = false;
    absl::Status status;
    std::shared_ptr<BlockMatches> matches;
    uint64_t bytes_scanned = 0;
  };

  // What one worker spent (see ScanCost).
  struct WorkerCost {
    int64_t cpu_ns = 0;
    int64_t fetch_cpu_ns = 0, decode_cpu_ns = 0, aggregate_cpu_ns = 0;
    uint64_t stored_bytes = 0, decoded_bytes = 0;
    uint64_t entries = 0;  // Of the blocks read.
    FilterCost filter;

    // Adds a block's phases, measured on the monotonic clock (`read`, `filter`'s, the
    // aggregation's), as shares of the block's CPU time `block_cpu_ns` in the proportions of
    // their times to the whole block's, `block_ns`: they add up to at most block_cpu_ns.
    void AddBlock(const store::ReadCost& read, int64_t aggregate_ns, int64_t block_ns,
                  int64_t block_cpu_ns) {
      const double cpu_per_ns =
          block_ns > 0 ? static_cast<double>(block_cpu_ns) / static_cast<double>(block_ns) : 0;
      auto cpu = [cpu_per_ns](int64_t ns) {
        return static_cast<int64_t>(static_cast<double>(ns) * cpu_per_ns);
      };
      cpu_ns += block_cpu_ns;
      fetch_cpu_ns += cpu(read.fetch_ns);
      decode_cpu_ns += cpu(read.decode_ns);
      stored_bytes += read.stored_bytes;
      decoded_bytes += read.decoded_bytes;
      filter.line_filter.cpu_ns += cpu(filter.filter_ns);
      filter.pipeline_cpu_ns += cpu(filter.pipeline_ns);
      aggregate_cpu_ns += cpu(aggregate_ns);
    }

    void AddTo(bool aggregates, ScanCost* cost) const {
      cost->cpu_ns += cpu_ns;
      cost->Phase(kPhaseRead).Add({"", fetch_cpu_ns, 0, entries, 0, stored_bytes});
      cost->Phase(kPhaseDecompress)
          .Add({"", decode_cpu_ns, entries, entries, stored_bytes, decoded_bytes});
      filter.AddTo(cost);
      if (aggregates) cost->Phase(kPhaseAggregate).cpu_ns += aggregate_cpu_ns;
    }
  };

  void Run(int worker) {
    const LineFilter filter = filter_.ForThread();
    WorkerCost& cost = costs_[worker];
    while (true) {
      size_t i;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock,
                 [&] { return stop_ || next_ < std::min(work_.size(), consumed_ + window_); });
        if (stop_ || next_ >= work_.size()) return;
        i = next_++;
      }
      const int64_t start_cpu_ns = ThreadCpuNanos(), start_ns = MonotonicNanos();
      std::shared_ptr<BlockMatches> matches = pool_->New();
      matches->stream_index = work_[i].stream_index;
      store::ReadCost read;
      absl::Status status = reader_.ReadBlock(work_[i].info.key, &matches->block, &read);
      if (status.ok()) cost.entries += matches->block.size();
      if (options_.pipeline != nullptr && !options_.pipeline->empty()) {
        matches->pipeline = std::make_unique<StreamPipeline>(
            *options_.pipeline, (*options_.stream_labels)[work_[i].stream_index],
            options_.required);
        matches->pipeline_rewrites = options_.pipeline->rewrites_line();
        matches->labels_kind = options_.labels_kind;
        matches->sample = options_.sample;
      }
      int64_t aggregate_ns = 0;
      cost.filter.filter_ns = cost.filter.pipeline_ns = 0;
      if (status.ok()) {
        FilterBlock(filter, options_.range, matches.get(), &cost.filter);
        if (on_block_ != nullptr) {
          aggregate_ns = MonotonicNanos();
          (*on_block_)(worker, *matches);
          aggregate_ns = MonotonicNanos() - aggregate_ns;
        } else if (options_.context_before > 0 || options_.context_after > 0) {
          AddContext(options_.range, options_.context_before, options_.context_after,
                     matches.get());
        }
      }
      const uint64_t bytes_scanned = matches->bytes_scanned;
      if (on_block_ != nullptr) matches.reset();  // Its buffers go back to the pool now.
      cost.AddBlock(read, aggregate_ns, MonotonicNanos() - start_ns,
                    ThreadCpuNanos() - start_cpu_ns);
      {
        std::lock_guard lock(mu_);
        results_[i] = {true, std::move(status), std::move(matches), bytes_scanned};
      }
      cv_.notify_all();
    }
  }

  const store::LogReader& reader_;
  const std::vector<Work>& work_;
  const LineFilter& filter_;
  const ScanOptions& options_;
  const BlockFn* on_block_;
  std::vector<Slot> results_;
  size_t window_;
  std::shared_ptr<BlockPool> pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0, consumed_ = 0;
  bool stop_ = false;
  ScanCost* cost_;
  std::vector<WorkerCost> costs_;  // One per worker, written by it alone.
  std::vector<std::thread> workers_;
};

// Adds the calling thread's CPU time from its construction to its destruction to `cost`, as the
// phase `name`.
class ThreadCpuTimer {
 public:
  ThreadCpuTimer(std::string_view name, ScanCost* cost)
      : name_(name), cost_(cost), start_ns_(ThreadCpuNanos()) {}
  ~ThreadCpuTimer() {
    const int64_t spent = ThreadCpuNanos() - start_ns_;
    cost_->cpu_ns += spent;
    cost_->Phase(name_).cpu_ns += spent;
  }

 private:
  std::string_view name_;
  ScanCost* cost_;
  int64_t start_ns_;
};

}  // namespace

absl::Status StopCondition::Check() const {
  if (deadline_ns && MonotonicNanos() > deadline_ns) {
    return absl::DeadlineExceededError(
        "query timed out: narrow the time range or the selector, or raise --query-timeout");
  }
  if (cancelled && cancelled()) {
    return absl::CancelledError("query cancelled: the client went away or vigied is stopping");
  }
  return absl::OkStatus();
}

namespace {

// Appends to `lines` the lines [first, last) of `block` that pass `filter` and hold `implied`
// (a literal that the pipeline keeps only lines with, or ""). When the filter has a required
// literal, the block's lines are searched for it in one pass and only the lines containing it
// are matched in full.
void FindPassingLines(const LineFilter& filter, std::string_view implied,
                      const store::DecodedBlock& block, size_t first, size_t last,
                      std::vector<uint32_t>* lines) {
  auto accept = [lines](size_t i) { lines->push_back(static_cast<uint32_t>(i)); };
  std::string_view all = block.lines();
  const size_t begin = block.offset(first), end = block.offset(last);
  // Where the next line that may pass shows in all[pos, end): a byte inside it, or npos. A hit
  // that runs into the next line (or, for the prefilter, comes from the line before) is
  // rejected by Matches.
  std::function<size_t(size_t pos)> next_hit;
  const std::string& literal = filter.required_literal();
  // With a lone |= "literal", a hit that ends inside its line is a match: the line need
  // not be searched again.
  bool hit_is_match = false;
  std::optional<FoldedFinder> folded;
  if (const RegexPrefilter* prefilter = filter.prefilter();
      prefilter != nullptr && (!prefilter->needs_utf8() || LinesAreUtf8(block, first, last))) {
    // An exact prefilter's lines match its regex: re2 need not see them.
    if (prefilter->exact() && prefilter->ForEachMatchingLine(block, first, last, [&](size_t i) {
          if (filter.MatchesBesidesPrefiltered(block.line(i))) accept(i);
        })) {
      return;
    }
    next_hit = [&, prefilter](size_t pos) {
      size_t match_end = prefilter->NextMatchEnd(all.substr(0, end), pos);
      return match_end == RegexPrefilter::npos ? match_end : match_end - 1;
    };
  } else if (!filter.required_folded_literal().empty()) {
    folded.emplace(filter.required_folded_literal(), all.substr(0, end));
    next_hit = [&](size_t pos) { return folded->Next(pos); };
  } else if (!literal.empty()) {
    const std::vector<LineFilterSpec>& specs = filter.specs();
    hit_is_match = specs.size() == 1 && specs[0].op == FilterOp::kContains && !specs[0].ip &&
                   specs[0].more.empty() && specs[0].pattern == literal;
    next_hit = [&](size_t pos) { return FindLiteral(all.substr(0, end), pos, literal); };
  } else if (!implied.empty()) {
    // The filter has no literal but the pipeline's label filters imply one (| pattern ... |
    // status = "404" keeps only lines holding `" 404`): the block is searched for it as for a
    // filter's, and the pipeline sees only the lines holding it.
    next_hit = [&, implied](size_t pos) { return FindLiteral(all.substr(0, end), pos, implied); };
  } else {
    for (size_t i = first; i < last; ++i) {
      if (filter.empty() || filter.Matches(block.line(i))) accept(i);
    }
    return;
  }
  for (size_t pos = begin, line = first; pos < end;) {
    const size_t hit = next_hit(pos);
    if (hit == std::string_view::npos) break;
    const size_t i = block.LineAt(hit, line);
    if ((hit_is_match && hit + literal.size() <= block.offset(i + 1)) ||
        filter.Matches(block.line(i))) {
      accept(i);
    }
    pos = block.offset(i + 1);
    line = i + 1;
  }
}

// Runs out->pipeline on out->lines (with `unfiltered`, on the lines [first, last) instead, which
// spares making the list of a filter that passes every line), keeping those it passes and
// filling out->labels, ->texts and ->values.
void RunPipeline(BlockMatches* out, FilterCost* cost, size_t first, size_t last, bool unfiltered) {
  StreamPipeline& pipeline = *out->pipeline;
  const store::DecodedBlock& block = out->block;
  const bool rewrites = out->pipeline_rewrites;
  int64_t* stage_ns = nullptr;
  if (cost != nullptr && cost->stages.empty()) {
    for (size_t k = 0; k < pipeline.stages(); ++k) {
      cost->stages.push_back({pipeline.stage(k).ToString()});
    }
    cost->sampled_stage_ns.assign(pipeline.stages(), 0);
  }
  size_t kept = 0;
  // Without a cost, no line is sampled: a block has fewer lines than this.
  uint32_t until_sample = cost != nullptr ? cost->until_sample : UINT32_MAX;
  const size_t candidates = unfiltered ? last - first : out->lines.size();
  for (size_t c = 0; c < candidates; ++c) {
    const uint32_t i = static_cast<uint32_t>(unfiltered ? first + c : out->lines[c]);
    int64_t sample_start = 0;
    if (until_sample-- == 0 && cost != nullptr) {
      until_sample = FilterCost::kSampleEvery - 1;
      stage_ns = cost->sampled_stage_ns.data();
      sample_start = MonotonicNanos();
    }
    // Whether the line passes; once it has, its results are kept.
    const bool passed = [&] {
      if (!pipeline.Process(block.ts(i), block.line(i), stage_ns)) return false;
      if (out->sample != nullptr) {
        double value;
        if (!(*out->sample)(pipeline.builder(), &value)) return false;
        out->values.push_back(value);
      }
      if (out->labels_kind == LineLabelsKind::kLog) out->labels.push_back(&pipeline.LineLabels());
      if (out->labels_kind == LineLabelsKind::kSeries) out->labels.push_back(&pipeline.Labels());
      if (rewrites) out->texts.emplace_back(pipeline.line());
      return true;
    }();
    if (passed && unfiltered) out->lines.push_back(i);
    if (passed && !unfiltered) out->lines[kept] = i;
    kept += passed;
    if (stage_ns != nullptr) {
      cost->sampled_ns += MonotonicNanos() - sample_start;
      stage_ns = nullptr;
    }
  }
  out->lines.resize(kept);
  if (cost == nullptr) return;
  cost->until_sample = until_sample;
  const std::vector<StreamPipeline::StageTally> tallies = pipeline.tallies();
  for (size_t k = 0; k < tallies.size() && k < cost->stages.size(); ++k) {
    cost->stages[k].Add({"", 0, tallies[k].lines_in, tallies[k].lines_out, tallies[k].bytes_in,
                         tallies[k].bytes_out});
  }
  if (!tallies.empty()) {
    cost->output.lines_in += tallies.back().lines_out;
    cost->output.bytes_in += tallies.back().bytes_out;
  }
  cost->output.lines_out += kept;
  for (size_t k = 0; k < kept; ++k) {
    cost->output.bytes_out += rewrites ? out->texts[k].size() : block.line(out->lines[k]).size();
  }
}

}  // namespace

void FilterCost::AddTo(ScanCost* cost) const {
  cost->Phase(kPhaseLineFilter).Add(line_filter);
  if (stages.empty()) return;
  int64_t staged_ns = 0;
  for (size_t k = 0; k < stages.size(); ++k) {
    PhaseCost stage = stages[k];
    // Floored, so that the stages and the output add up to at most the time measured.
    stage.cpu_ns = sampled_ns > 0 ? static_cast<int64_t>(static_cast<double>(pipeline_cpu_ns) *
                                                         sampled_stage_ns[k] / sampled_ns)
                                  : 0;
    staged_ns += stage.cpu_ns;
    cost->Phase(stage.name).Add(stage);
  }
  PhaseCost rest = output;
  rest.cpu_ns = std::max<int64_t>(pipeline_cpu_ns - staged_ns, 0);
  cost->Phase(kPhaseOutput).Add(rest);
}

void FilterBlock(const LineFilter& filter, store::TimeRange range, BlockMatches* out,
                 FilterCost* cost) {
  const store::DecodedBlock& block = out->block;
  size_t first = FirstAtOrAfter(block, range.start_ns);
  size_t last = FirstAtOrAfter(block, range.end_ns);
  out->lines.clear();
  out->labels.clear();
  out->texts.clear();
  out->values.clear();
  if (first >= last) return;
  out->bytes_scanned = block.offset(last) - block.offset(first);
  const int64_t start_ns = cost != nullptr ? MonotonicNanos() : 0;
  const std::string_view implied =
      out->pipeline != nullptr ? out->pipeline->required_literal() : std::string_view();
  // Without a line filter or a literal the pipeline implies, the pipeline takes every line in
  // range.
  const bool unfiltered = filter.empty() && implied.empty() && out->pipeline != nullptr;
  if (!unfiltered) FindPassingLines(filter, implied, block, first, last, &out->lines);
  if (cost == nullptr) {
    if (out->pipeline != nullptr) RunPipeline(out, nullptr, first, last, unfiltered);
    return;
  }
  const int64_t filtered_ns = MonotonicNanos();
  cost->filter_ns = filtered_ns - start_ns;
  PhaseCost& filtered = cost->line_filter;
  filtered.lines_in += last - first;
  filtered.bytes_in += out->bytes_scanned;
  filtered.lines_out += unfiltered ? last - first : out->lines.size();
  if (unfiltered || out->lines.size() == last - first) {
    filtered.bytes_out += out->bytes_scanned;  // Every line passed.
  } else {
    for (const uint32_t i : out->lines) filtered.bytes_out += block.line(i).size();
  }
  if (out->pipeline == nullptr) return;
  RunPipeline(out, cost, first, last, unfiltered);
  cost->pipeline_ns = MonotonicNanos() - filtered_ns;
}

void AddContext(store::TimeRange range, uint32_t before, uint32_t after, BlockMatches* out) {
  const store::DecodedBlock& block = out->block;
  const size_t first = FirstAtOrAfter(block, range.start_ns);
  const size_t last = FirstAtOrAfter(block, range.end_ns);
  const bool piped = out->pipeline != nullptr;
  const bool labelled = piped && out->labels_kind != LineLabelsKind::kStream;
  const bool rewritten = piped && out->pipeline_rewrites;
  std::vector<uint32_t> lines;
  std::vector<bool> context;
  std::vector<const LabelSet*> labels;
  std::vector<std::string> texts;
  // Appends [from, to) clipped to [first, last) and past what is already there; `match` is the
  // index into out->lines of the match the span is around.
  auto add_span = [&](size_t from, size_t to, std::optional<size_t> match) {
    from = std::max({from, first, lines.empty() ? size_t{0} : size_t{lines.back()} + 1});
    for (size_t i = from; i < std::min(to, last); ++i) {
      const bool is_match = match && out->lines[*match] == i;
      lines.push_back(static_cast<uint32_t>(i));
      context.push_back(!is_match);
      if (labelled) labels.push_back(is_match ? out->labels[*match] : nullptr);
      if (rewritten)
        texts.push_back(is_match ? std::move(out->texts[*match]) : std::string(block.line(i)));
    }
  };
  add_span(first, first + after, std::nullopt);
  for (size_t k = 0; k < out->lines.size(); ++k) {
    const uint32_t m = out->lines[k];
    // m may already be in as the context of an earlier match: it becomes a match.
    if (!lines.empty() && lines.back() >= m) {
      const size_t at = lines.size() - 1 - (lines.back() - m);
      context[at] = false;
      if (labelled) labels[at] = out->labels[k];
      if (rewritten) texts[at] = std::move(out->texts[k]);
    }
    add_span(m >= before ? m - before : 0, size_t{m} + after + 1, k);
  }
  add_span(last >= before ? last - before : 0, last, std::nullopt);
  out->lines = std::move(lines);
  out->context = std::move(context);
  out->labels = std::move(labels);
  out->texts = std::move(texts);
}

namespace {

// The blocks of `streams` in `options.range` that may hold a match, in scan order (by time, in
// the requested direction); counts those the n-gram filter rules out in stats->blocks_skipped.
std::vector<Work> PlanScan(const store::LogReader& reader,
                           const std::vector<store::StreamId>& streams, const LineFilter& filter,
                           const ScanOptions& options, ScanStats* stats) {
  std::vector<Work> work;
  const bool skip_by_ngrams =
      !filter.required_any().empty() && options.context_before == 0 && options.context_after == 0;
  for (size_t s = 0; s < streams.size(); ++s) {
    uint64_t position = 0;
    for (store::BlockInfo& info : reader.Blocks(streams[s], options.range)) {
      uint64_t first_position = position;
      position += info.entries;
      // Blocks whose n-gram filter rules the literal out are never read.
      if (skip_by_ngrams && !filter.MayMatch([&info](const NeededLiteral& literal) {
            return store::NgramFilterMayContain(info.ngram_filter, literal.text,
                                                literal.case_folded);
          })) {
        ++stats->blocks_skipped;
        continue;
      }
      info.ngram_filter.clear();
      work.push_back({std::move(info), s, first_position});
    }
  }
  const bool forward = options.forward;
  std::stable_sort(work.begin(), work.end(), [&](const Work& a, const Work& b) {
    return forward ? a.info.key.min_ts < b.info.key.min_ts : a.info.key.max_ts > b.info.key.max_ts;
  });
  return work;
}

}  // namespace

absl::Status ScanLines(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                       const LineFilter& filter, const ScanOptions& options, const LineFn& emit,
                       ScanStats* stats) {
  const std::vector<Work> work = PlanScan(reader, streams, filter, options, stats);
  const bool forward = options.forward;
  // "Comes later in the output": the heap's front is the block whose next line comes first.
  auto later = [forward](const Cursor& a, const Cursor& b) {
    if (a.ts != b.ts) return forward ? a.ts > b.ts : a.ts < b.ts;
    return a.order > b.order;
  };
  std::vector<Cursor> heap;
  // Emits the lines of the front block while they come before every other block's and (when
  // `bounded`) before `boundary`; false once `emit` says stop.
  auto emit_front = [&](bool bounded, int64_t boundary) {
    std::pop_heap(heap.begin(), heap.end(), later);
    Cursor& c = heap.back();
    const BlockMatches& m = *c.block;
    const std::span<Cursor> others(heap.data(), heap.size() - 1);
    while (true) {
      const uint32_t at = c.at;
      const uint32_t line = m.lines[at];
      if (!emit({m.stream_index, c.ts,
                 m.texts.empty() ? m.block.line(line) : std::string_view(m.texts[at]),
                 m.labels.empty() ? nullptr : m.labels[at], work[c.order].first_position + line,
                 !m.context.empty() && m.context[at], m.values.empty() ? 0 : m.values[at]})) {
        return false;
      }
      if (--c.left == 0) {
        heap.pop_back();
        return true;
      }
      // Oldest first, a block's lines go from its first; newest first, from its last.
      c.at = forward ? c.at + 1 : c.at - 1;
      c.ts = m.block.ts(m.lines[c.at]);
      if (bounded && (forward ? c.ts > boundary : c.ts < boundary)) break;
      if (!others.empty() && later(c, others.front())) break;
    }
    std::push_heap(heap.begin(), heap.end(), later);
    return true;
  };

  // Declared first, destroyed last: the emit phase comes after the workers' phases.
  ThreadCpuTimer emitting(kPhaseEmit, &stats->cost);
  ReadAhead ahead(reader, work, filter, options, &stats->cost);
  for (size_t i = 0; i < work.size(); ++i) {
    if (absl::Status st = options.stop.Check(); !st.ok()) return st;
    std::shared_ptr<BlockMatches> matches;
    uint64_t bytes_scanned = 0;
    if (absl::Status st = ahead.Take(i, &matches, &bytes_scanned); !st.ok()) return st;
    ++stats->blocks;
    stats->entries += work[i].info.entries;
    stats->bytes += bytes_scanned;
    // Entries at or beyond this block's boundary cannot be preceded by anything still unread.
    const int64_t boundary = forward ? work[i].info.key.min_ts : work[i].info.key.max_ts;
    while (!heap.empty() && (forward ? heap.front().ts <= boundary : heap.front().ts >= boundary)) {
      if (!emit_front(/*bounded=*/true, boundary)) return absl::OkStatus();
    }
    if (const uint32_t n = matches->lines.size(); n > 0) {
      const int64_t ts = matches->block.ts(matches->lines[forward ? 0 : n - 1]);
      heap.push_back({ts, i, forward ? 0 : n - 1, n, std::move(matches)});
      std::push_heap(heap.begin(), heap.end(), later);
    }
  }
  while (!heap.empty()) {
    if (!emit_front(/*bounded=*/false, 0)) break;
  }
  return absl::OkStatus();
}

absl::Status ScanBlocks(const store::LogReader& reader, const std::vector<store::StreamId>& streams,
                        const LineFilter& filter, const ScanOptions& options, const BlockFn& fn,
                        ScanStats* stats) {
  ScanOptions unordered = options;
  unordered.context_before = unordered.context_after = 0;
  const std::vector<Work> work = PlanScan(reader, streams, filter, unordered, stats);
  ReadAhead ahead(reader, work, filter, unordered, &stats->cost, &fn);
  for (size_t i = 0; i < work.size(); ++i) {
    if (absl::Status st = options.stop.Check(); !st.ok()) return st;
    std::shared_ptr<BlockMatches> none;
    uint64_t bytes_scanned = 0;
    if (absl::Status st = ahead.Take(i, &none, &bytes_scanned); !st.ok()) return st;
    ++stats->blocks;
    stats->entries += work[i].info.entries;
    stats->bytes += bytes_scanned;
  }
  return absl::OkStatus();
}

void AddScanStats(const ScanStats& scan, QueryStats* stats) {
  stats->blocks += scan.blocks;
  stats->blocks_skipped += scan.blocks_skipped;
  stats->entries_scanned += scan.entries;
  stats->bytes_scanned += scan.bytes;
  stats->cost.Add(scan.cost);
}

}  // namespace vigie::logql
