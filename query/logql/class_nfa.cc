#include "query/logql/class_nfa.h"

#include <string.h>

#include <algorithm>

#include "store/block.h"

namespace vigie::logql {

// Turns a ByteRegex into ClassNfa's steps, each part reading the register of the part before.
class NfaCompiler {
 public:
  explicit NfaCompiler(ClassNfa* nfa) : nfa_(*nfa) {}

  // Adds the steps of `regex`, reading register `in`; the register of its ends, or -1 when it
  // cannot be run. *nullable says whether the pattern up to `in` may be empty, and then up to
  // the end of `regex`.
  int Add(const ByteRegex& regex, int in, bool* nullable) {
    switch (regex.kind) {
      case ByteRegex::Kind::kClass:
        if (!regex.cls.ascii()) return -1;  // One character of several bytes: not a byte.
        return Emit(ClassNfa::Step::Kind::kChar, regex.cls, in, nullable, /*optional=*/false);
      case ByteRegex::Kind::kConcat:
        for (const ByteRegex& sub : regex.subs) {
          if ((in = Add(sub, in, nullable)) < 0) return -1;
        }
        return in;
      case ByteRegex::Kind::kAlternate: {
        const bool nullable_in = *nullable;
        int out = -1;
        *nullable = false;
        for (const ByteRegex& sub : regex.subs) {
          bool n = nullable_in;
          const int end = Add(sub, in, &n);
          if (end < 0) return -1;
          *nullable = *nullable || n;
          out = out < 0 ? end : Union(out, end);
        }
        return out;
      }
      case ByteRegex::Kind::kRepeat:
        return AddRepeat(regex.subs[0], regex.min, regex.max, in, nullable);
    }
    return -1;
  }

 private:
  int AddRepeat(const ByteRegex& sub, int min, int max, int in, bool* nullable) {
    const bool unbounded = max == ByteRegex::kUnbounded;
    if (sub.kind == ByteRegex::Kind::kClass && unbounded) {
      // c{n,}: n - 1 single characters, then a run (c* is an optional run).
      if (!sub.cls.ascii() && min > 1) return -1;
      for (int i = 1; i < min && in >= 0; ++i) in = Add(sub, in, nullable);
      if (in < 0) return -1;
      return Emit(ClassNfa::Step::Kind::kRun, sub.cls, in, nullable, /*optional=*/min == 0);
    }
    if (unbounded) return -1;  // (ab)+: a loop over several steps.
    for (int i = 0; i < min && in >= 0; ++i) in = Add(sub, in, nullable);
    for (int i = min; i < max && in >= 0; ++i) {
      if (sub.kind == ByteRegex::Kind::kClass && sub.cls.ascii()) {
        in = Emit(ClassNfa::Step::Kind::kChar, sub.cls, in, nullable, /*optional=*/true);
        continue;
      }
      bool n = *nullable;  // Optional: the pattern so far stays as nullable as it was.
      const int end = Add(sub, in, &n);
      in = end < 0 ? -1 : Union(in, end);
    }
    return in;
  }

  int Emit(ClassNfa::Step::Kind kind, const ByteClass& cls, int in, bool* nullable, bool optional) {
    const size_t k =
        std::find(nfa_.classes_.begin(), nfa_.classes_.end(), cls) - nfa_.classes_.begin();
    if (k == nfa_.classes_.size()) {
      if (k == ClassNfa::kMaxClasses) return -1;
      nfa_.classes_.push_back(cls);
    }
    const bool line_bound = !*nullable;
    *nullable = *nullable && optional;
    return Push({kind, optional, line_bound, !cls.ascii(), static_cast<uint8_t>(k),
                 static_cast<uint16_t>(in), 0});
  }

  int Union(int a, int b) {
    if (a == b) return a;
    return Push({ClassNfa::Step::Kind::kUnion, false, false, false, 0, static_cast<uint16_t>(a),
                 static_cast<uint16_t>(b)});
  }

  int Push(ClassNfa::Step step) {
    if (nfa_.steps_.size() == ClassNfa::kMaxSteps) return -1;
    nfa_.steps_.push_back(step);
    return static_cast<int>(nfa_.steps_.size());
  }

  ClassNfa& nfa_;
};

std::optional<ClassNfa> ClassNfa::Make(const ByteRegex& regex) {
  ClassNfa nfa;
  bool nullable = true;
  const int end = NfaCompiler(&nfa).Add(regex, 0, &nullable);
  if (end < 0 || nullable) return std::nullopt;
  nfa.end_ = static_cast<size_t>(end);
  if (std::any_of(nfa.steps_.begin(), nfa.steps_.end(), [](const Step& s) { return s.wide; })) {
    nfa.continuation_class_ = static_cast<int>(nfa.classes_.size());
    nfa.classes_.push_back({{{0x80, 0xBF}}});
  }
  return nfa;
}

template <typename LineStarts, typename OnEnd>
void ClassNfa::Scan(std::string_view text, size_t pos, LineStarts line_starts, OnEnd on_end) const {
  const size_t n_steps = steps_.size();
  // Per step, what the previous 64 bytes carry into these: the bit shifted out of a step's
  // places, and the carry of a run's addition (a run that goes on into these bytes).
  uint64_t shifted_out[kMaxSteps] = {}, run_carry[kMaxSteps] = {};
  uint64_t masks[kMaxClasses + 1];
  uint64_t places[kMaxSteps + 1];
  while (pos <= text.size()) {
    const size_t n = std::min<size_t>(64, text.size() - pos);
    if (n == 64) {
      ClassMasks(classes_, text.data() + pos, masks);
    } else {
      char tail[64] = {};
      memcpy(tail, text.data() + pos, n);
      ClassMasks(classes_, tail, masks);
      for (size_t k = 0; k < classes_.size(); ++k) masks[k] &= (uint64_t{1} << n) - 1;
    }
    const uint64_t starts = line_starts(pos);
    // The places between two characters (not before a UTF-8 continuation byte).
    const uint64_t between = continuation_class_ < 0 ? ~uint64_t{0} : ~masks[continuation_class_];
    places[0] = ~uint64_t{0};
    for (size_t i = 0; i < n_steps; ++i) {
      const Step& s = steps_[i];
      const uint64_t in = places[s.in];
      if (s.kind == Step::Kind::kUnion) {
        places[i + 1] = in | places[s.other];
        continue;
      }
      const uint64_t cls = masks[s.cls];
      const uint64_t from = s.line_bound ? in & ~starts : in;
      uint64_t consumed;  // The bytes the step's matches end with.
      if (s.kind == Step::Kind::kChar) {
        consumed = from & cls;
      } else {
        // A run holds the bytes from a start (a byte of the class at a place of `in`) up to the
        // first byte not in the class or at a line's start: adding the starts to the run's bytes
        // clears the bytes from each run's first start on, the carry going on to the run's end.
        const uint64_t first = from & cls & (s.wide ? between : ~uint64_t{0});
        const uint64_t bytes = (cls & ~starts) | first;
        uint64_t sum;
        const bool carry = __builtin_add_overflow(bytes, first, &sum);
        const bool carry_in = __builtin_add_overflow(sum, run_carry[i], &sum);
        run_carry[i] = carry || carry_in;
        consumed = (bytes & ~sum) | first;
      }
      uint64_t out = (consumed << 1) | shifted_out[i];
      shifted_out[i] = consumed >> 63;
      if (s.wide) out &= between;  // A run holds whole characters.
      places[i + 1] = s.optional ? out | in : out;
    }
    // Places past the end of the text hold no end (bit n is the end itself).
    uint64_t ends = places[end_] & (n == 64 ? ~uint64_t{0} : (uint64_t{2} << n) - 1);
    size_t resume = npos;
    for (; ends != 0 && resume == npos; ends &= ends - 1) {
      resume = on_end(pos + static_cast<size_t>(__builtin_ctzll(ends)));
    }
    if (resume != npos) {
      pos = resume;
      std::fill(shifted_out, shifted_out + n_steps, 0);
      std::fill(run_carry, run_carry + n_steps, 0);
      continue;
    }
    if (n < 64) break;
    pos += 64;
  }
}

size_t ClassNfa::NextMatchEnd(std::string_view text, size_t pos) const {
  size_t found = npos;
  Scan(
      text, pos, [](size_t) { return uint64_t{0}; },
      [&](size_t end) {
        found = end;
        return text.size() + 1;  // Stop.
      });
  return found;
}

void ClassNfa::ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                                   const std::function<void(size_t)>& on_match) const {
  if (first >= last) return;
  size_t next_start = first + 1;  // The first line whose start has not been marked yet.
  auto line_starts = [&](size_t pos) {
    while (next_start < last && block.offset(next_start) < pos) ++next_start;
    uint64_t bits = 0;
    for (size_t j = next_start; j < last && block.offset(j) < pos + 64; ++j) {
      bits |= uint64_t{1} << (block.offset(j) - pos);
    }
    return bits;
  };
  size_t line = first;
  Scan(block.lines().substr(0, block.offset(last)), block.offset(first), line_starts,
       [&](size_t end) {
         // No match runs over two lines, nor is empty: its last byte's line holds it.
         line = block.LineAt(end - 1, line);
         on_match(line);
         return size_t{block.offset(line + 1)};
       });
}

}  // namespace vigie::logql
