#include "query/logql/class_sequence.h"

#include <string.h>

#include <algorithm>

#include "store/block.h"

namespace vigie::logql {
namespace {

// Appends to `out` the classes of the fixed run of one-byte items `regex` is; false when it is
// not one (an alternative, a repetition of more than one length, a class beyond ASCII).
bool AppendFixedRun(const ByteRegex& regex, std::vector<ByteClass>* out) {
  switch (regex.kind) {
    case ByteRegex::Kind::kClass:
      if (!regex.cls.ascii() || out->size() >= ClassSequence::kMaxLength) return false;
      out->push_back(regex.cls);
      return true;
    case ByteRegex::Kind::kConcat:
      return std::all_of(regex.subs.begin(), regex.subs.end(),
                         [&](const ByteRegex& sub) { return AppendFixedRun(sub, out); });
    case ByteRegex::Kind::kRepeat:
      for (int i = 0; i < regex.min; ++i) {
        if (regex.max != regex.min || !AppendFixedRun(regex.subs[0], out)) return false;
      }
      return regex.max == regex.min;
    case ByteRegex::Kind::kAlternate:
      return false;
  }
  return false;
}

}  // namespace

std::optional<ClassSequence> ClassSequence::Parse(std::string_view pattern) {
  std::optional<ByteRegex> regex = ByteRegex::Parse(pattern);
  return regex ? Make(*regex) : std::nullopt;
}

std::optional<ClassSequence> ClassSequence::Make(const ByteRegex& regex) {
  std::vector<ByteClass> run;
  if (!AppendFixedRun(regex, &run)) return std::nullopt;
  return Make(std::move(run));
}

std::optional<ClassSequence> ClassSequence::Make(std::vector<ByteClass> run) {
  if (run.empty() || run.size() > kMaxLength) return std::nullopt;
  ClassSequence out;
  for (ByteClass& cls : run) {
    if (cls.ranges.size() > kMaxRanges) return std::nullopt;
    const size_t k =
        std::find(out.classes_.begin(), out.classes_.end(), cls) - out.classes_.begin();
    if (k == out.classes_.size()) {
      if (k == kMaxClasses) return std::nullopt;
      out.classes_.push_back(std::move(cls));
    }
    out.sequence_.push_back(static_cast<uint8_t>(k));
  }
  auto bytes_in = [&](size_t j) {
    size_t n = 0;
    for (const ByteRange& r : out.classes_[out.sequence_[j]].ranges) n += r.second - r.first + 1;
    return n;
  };
  out.order_.resize(out.sequence_.size());
  for (size_t j = 0; j < out.order_.size(); ++j) out.order_[j] = static_cast<uint8_t>(j);
  std::stable_sort(out.order_.begin(), out.order_.end(),
                   [&](uint8_t a, uint8_t b) { return bytes_in(a) < bytes_in(b); });
  return out;
}

template <typename OnEnd>
void ClassSequence::Scan(std::string_view text, size_t pos, OnEnd on_end) const {
  const size_t length = sequence_.size();
  // The masks of the 64 bytes before the current ones, for the matches that begin there.
  uint64_t prev[kMaxClasses] = {}, cur[kMaxClasses];
  while (pos < text.size()) {
    const size_t n = std::min<size_t>(64, text.size() - pos);
    uint64_t ends = ~uint64_t{0};
    if (n == 64) {
      ClassMasks(classes_, text.data() + pos, cur);
    } else {
      char tail[64] = {};
      memcpy(tail, text.data() + pos, n);
      ClassMasks(classes_, tail, cur);
      ends = (uint64_t{1} << n) - 1;
    }
    // A match ends at bit e when byte e - s is in the class of item length - 1 - s, for every
    // s: each item's mask, moved up by its distance from the end, with what the previous bytes
    // carry in.
    // Items of the smaller classes first: in most chunks they leave no candidate end, and the
    // other items need not be looked at.
    for (size_t i = 0; i < length && ends != 0; ++i) {
      const size_t j = order_[i], s = length - 1 - j;
      const uint8_t k = sequence_[j];
      ends &= s == 0 ? cur[k] : (cur[k] << s) | (prev[k] >> (64 - s));
    }
    size_t resume = npos;
    for (; ends != 0 && resume == npos; ends &= ends - 1) {
      resume = on_end(pos + static_cast<size_t>(__builtin_ctzll(ends)));
    }
    if (resume != npos) {
      pos = resume;
      std::fill(std::begin(prev), std::end(prev), 0);  // Nothing before `resume` counts.
      continue;
    }
    std::copy(std::begin(cur), std::end(cur), std::begin(prev));
    pos += 64;
  }
}

size_t ClassSequence::NextMatchEnd(std::string_view text, size_t pos) const {
  size_t found = npos;
  Scan(text, pos, [&](size_t last_byte) {
    found = last_byte + 1;
    return text.size();  // Stop.
  });
  return found;
}

void ClassSequence::ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                                        const std::function<void(size_t)>& on_match) const {
  if (first >= last) return;
  const size_t length = sequence_.size();
  size_t line = first;
  Scan(block.lines().substr(0, block.offset(last)), block.offset(first), [&](size_t last_byte) {
    // The line of the window's first byte (windows come in order, so the search is short). The
    // lines are back to back: a window that runs into the next line matches neither.
    line = block.LineAt(last_byte + 1 - length, line);
    if (block.offset(line + 1) <= last_byte) return npos;
    on_match(line);
    return size_t{block.offset(line + 1)};
  });
}

}  // namespace vigie::logql
