#include "query/logql/class_nfa.h"

#include <string.h>

#include <algorithm>
#include <tuple>
#include <type_traits>

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
    return Push({kind, optional, line_bound, !cls.ascii(), false, static_cast<uint8_t>(k),
                 static_cast<uint16_t>(in), 0});
  }

  int Union(int a, int b) {
    if (a == b) return a;
    return Push({ClassNfa::Step::Kind::kUnion, false, false, false, false, 0,
                 static_cast<uint16_t>(a), static_cast<uint16_t>(b)});
  }

  int Push(ClassNfa::Step step) {
    if (nfa_.steps_.size() == ClassNfa::kMaxSteps) return -1;
    nfa_.steps_.push_back(step);
    return static_cast<int>(nfa_.steps_.size());
  }

  ClassNfa& nfa_;
};

namespace {

// What every match of a part of a pattern holds of fixed runs of one-byte classes: the run it
// starts with and the one it ends with, and whether it is that run and nothing else.
struct FixedEnds {
  std::vector<ByteClass> prefix, suffix;
  bool whole = false;
};

void Longest(const std::vector<ByteClass>& run, std::vector<ByteClass>* best) {
  if (run.size() > best->size()) *best = run;
}

std::vector<ByteClass> Joined(std::vector<ByteClass> a, const std::vector<ByteClass>& b) {
  a.insert(a.end(), b.begin(), b.end());
  if (a.size() > ClassSequence::kMaxLength) a.resize(ClassSequence::kMaxLength);
  return a;
}

// The fixed ends of `regex`; each fixed run that every match holds is offered to *best.
FixedEnds Ends(const ByteRegex& regex, std::vector<ByteClass>* best) {
  FixedEnds out;
  switch (regex.kind) {
    case ByteRegex::Kind::kClass:
      if (regex.cls.ascii()) out = {{regex.cls}, {regex.cls}, true};
      break;
    case ByteRegex::Kind::kConcat:
      out.whole = true;
      for (const ByteRegex& sub : regex.subs) {
        const FixedEnds next = Ends(sub, best);
        Longest(Joined(out.suffix, next.prefix), best);
        out.prefix = out.whole ? Joined(out.prefix, next.prefix) : out.prefix;
        out.suffix = next.whole ? Joined(out.suffix, next.suffix) : next.suffix;
        out.whole = out.whole && next.whole;
      }
      break;
    case ByteRegex::Kind::kRepeat: {
      const ByteRegex& sub = regex.subs[0];
      if (regex.min == 0) break;
      if (sub.kind == ByteRegex::Kind::kClass && sub.cls.ascii()) {
        // Every match is min or more bytes of the class.
        const std::vector<ByteClass> run(std::min<size_t>(regex.min, ClassSequence::kMaxLength),
                                         sub.cls);
        out = {run, run, regex.max == regex.min};
      } else if (regex.max == regex.min) {
        ByteRegex copies{.kind = ByteRegex::Kind::kConcat};
        copies.subs.assign(regex.min, sub);
        out = Ends(copies, best);
      } else {
        Ends(sub, best);  // Its first copy is in every match.
      }
      break;
    }
    case ByteRegex::Kind::kAlternate:
      break;  // No part of one alternative is in every match.
  }
  Longest(out.prefix, best);
  Longest(out.suffix, best);
  return out;
}

}  // namespace

std::optional<ClassNfa> ClassNfa::Make(const ByteRegex& regex) {
  ClassNfa nfa;
  bool nullable = true;
  const int end = NfaCompiler(&nfa).Add(regex, 0, &nullable);
  if (end < 0 || nullable) return std::nullopt;
  nfa.end_ = static_cast<size_t>(end);
  std::vector<ByteClass> required;
  Ends(regex, &required);
  if (required.size() >= 2) nfa.required_ = ClassSequence::Make(std::move(required));
  // A cut after step i when the steps after it read no register before i + 1.
  size_t first_read = nfa.steps_.size() + 1;
  for (size_t i = nfa.steps_.size(); i-- > 0;) {
    nfa.steps_[i].cut = first_read >= i + 1;
    const Step& s = nfa.steps_[i];
    first_read =
        std::min<size_t>(first_read, s.kind == Step::Kind::kUnion ? std::min(s.in, s.other) : s.in);
  }
  if (std::any_of(nfa.steps_.begin(), nfa.steps_.end(), [](const Step& s) { return s.wide; })) {
    nfa.continuation_class_ = static_cast<int>(nfa.classes_.size());
    nfa.classes_.push_back({{{0x80, 0xBF}}});
  }
  return nfa;
}

template <typename LineStarts, typename LineOf, typename OnEnd>
void ClassNfa::Scan(std::string_view text, size_t pos, LineStarts line_starts, LineOf line_of,
                    OnEnd on_end) const {
  // Up to kWords words of 64 bytes at a time: each step works on them one after the other, so
  // that the steps' chains of dependent instructions overlap. After a match, its line's next
  // line is likely to match as soon (a pattern that most lines hold): one word, then twice as
  // many each time no match comes.
  constexpr size_t kWords = 4;
  size_t words = kWords;
  const size_t n_steps = steps_.size();
  // Per step, what the previous bytes carry into these: the bit shifted out of a step's places,
  // and the carry of a run's addition (a run that goes on into these bytes).
  uint64_t shifted_out[kMaxSteps] = {}, run_carry[kMaxSteps] = {};
  uint64_t masks[kWords][kMaxClasses + 1];
  uint64_t starts[kWords], between[kWords];
  uint64_t places[kMaxSteps + 1][kWords];
  size_t pending = 0;       // 1 + the last step whose carries into these bytes are not zero.
  size_t scan_until = pos;  // With required_: the end of the line the scan is in for it.
  while (pos <= text.size()) {
    if constexpr (!std::is_same_v<LineOf, std::nullptr_t>) {
      // At the end of that line, a match of it may still end here (at its last byte, carried).
      if (required_ && (pos > scan_until || (pos == scan_until && pending == 0))) {
        // Past the end of the last line holding the required run, and at no match: lines hold
        // no match up to the next line that holds the run (a match in a line before would hold
        // it, and end sooner), where the scan starts afresh (no match runs over two lines).
        const size_t next = required_->NextMatchEnd(text, scan_until);
        if (next == ClassSequence::npos) return;
        std::tie(pos, scan_until) = line_of(next - 1);
        std::fill(shifted_out, shifted_out + n_steps, 0);
        std::fill(run_carry, run_carry + n_steps, 0);
        pending = 0;
      }
    }
    const size_t n_bytes = 64 * words, n = std::min(n_bytes, text.size() - pos);
    const char* bytes = text.data() + pos;
    char tail[64 * kWords];
    if (n < n_bytes) {
      memset(tail, 0, n_bytes);
      memcpy(tail, bytes, n);
      bytes = tail;
    }
    line_starts(pos, starts, words);
    for (size_t w = 0; w < words; ++w) {
      ClassMasks(classes_, bytes + 64 * w, masks[w]);
      if (n < 64 * (w + 1)) {
        const uint64_t valid = n <= 64 * w ? 0 : (uint64_t{1} << (n - 64 * w)) - 1;
        for (size_t k = 0; k < classes_.size(); ++k) masks[w][k] &= valid;
      }
      // The places between two characters (not before a UTF-8 continuation byte).
      between[w] = continuation_class_ < 0 ? ~uint64_t{0} : ~masks[w][continuation_class_];
      places[0][w] = ~uint64_t{0};
    }
    // The registers written (the steps after a cut with no places and no carries are not run:
    // theirs would be empty).
    size_t written = n_steps + 1, carrying = 0;
    for (size_t i = 0; i < n_steps; ++i) {
      const Step& s = steps_[i];
      const uint64_t* in = places[s.in];
      uint64_t* out = places[i + 1];
      auto empty = [&] {
        return s.cut && i + 1 >= pending &&
               std::all_of(out, out + words, [](uint64_t x) { return x == 0; });
      };
      if (s.kind == Step::Kind::kUnion) {
        for (size_t w = 0; w < words; ++w) out[w] = in[w] | places[s.other][w];
        if (empty()) {
          written = i + 2;
          break;
        }
        continue;
      }
      uint64_t shifted = shifted_out[i], carry = run_carry[i];
      for (size_t w = 0; w < words; ++w) {
        const uint64_t cls = masks[w][s.cls];
        const uint64_t from = s.line_bound ? in[w] & ~starts[w] : in[w];
        uint64_t consumed;  // The bytes the step's matches end with.
        if (s.kind == Step::Kind::kChar) {
          consumed = from & cls;
        } else {
          // A run holds the bytes from a start (a byte of the class at a place of `in`) up to
          // the first byte not in the class or at a line's start: adding the starts to the
          // run's bytes clears the bytes from each run's first start on, the carry going on to
          // the run's end.
          const uint64_t first = from & cls & (s.wide ? between[w] : ~uint64_t{0});
          const uint64_t run = (cls & ~starts[w]) | first;
          uint64_t sum;
          const bool c1 = __builtin_add_overflow(run, first, &sum);
          const bool c2 = __builtin_add_overflow(sum, carry, &sum);
          carry = c1 || c2;
          consumed = (run & ~sum) | first;
        }
        uint64_t after = (consumed << 1) | shifted;
        shifted = consumed >> 63;
        if (s.wide) after &= between[w];  // A run holds whole characters.
        out[w] = s.optional ? after | in[w] : after;
      }
      shifted_out[i] = shifted;
      run_carry[i] = carry;
      if ((shifted | carry) != 0) carrying = i + 1;
      if (empty()) {
        written = i + 2;
        break;
      }
    }
    pending = carrying;
    size_t resume = npos;
    for (size_t w = 0; w < words && resume == npos && end_ < written; ++w) {
      // Places past the end of the text hold no end (place n is the end itself).
      uint64_t ends = places[end_][w];
      if (n < 64 * (w + 1)) ends &= n < 64 * w ? 0 : (uint64_t{2} << (n - 64 * w)) - 1;
      for (; ends != 0 && resume == npos; ends &= ends - 1) {
        resume = on_end(pos + 64 * w + static_cast<size_t>(__builtin_ctzll(ends)));
      }
    }
    if (resume != npos) {
      pos = resume;
      std::fill(shifted_out, shifted_out + n_steps, 0);
      std::fill(run_carry, run_carry + n_steps, 0);
      pending = 0;
      words = 1;
      scan_until = resume;
      continue;
    }
    if (n < n_bytes) break;
    pos += n_bytes;
    words = std::min(kWords, words * 2);
  }
}

size_t ClassNfa::NextMatchEnd(std::string_view text, size_t pos) const {
  size_t found = npos;
  Scan(
      text, pos,
      [](size_t, uint64_t* words, size_t n_words) { std::fill(words, words + n_words, 0); },
      nullptr,
      [&](size_t end) {
        found = end;
        return text.size() + 1;  // Stop.
      });
  return found;
}

void ClassNfa::ForEachMatchingLine(const store::DecodedBlock& block, size_t first, size_t last,
                                   const std::function<void(size_t)>& on_match) const {
  if (first >= last) return;
  size_t next_start = first + 1;  // The first line that starts at or after the last `pos`.
  auto line_starts = [&](size_t pos, uint64_t* words, size_t n_words) {
    while (next_start < last && block.offset(next_start) < pos) ++next_start;
    std::fill(words, words + n_words, 0);
    for (size_t j = next_start; j < last && block.offset(j) < pos + 64 * n_words; ++j) {
      const size_t at = block.offset(j) - pos;
      words[at / 64] |= uint64_t{1} << (at % 64);
    }
  };
  size_t from_line = first;  // Places come in ascending order: so do their lines.
  auto line_of = [&](size_t p) {
    from_line = block.LineAt(p, from_line);
    return std::pair<size_t, size_t>(block.offset(from_line), block.offset(from_line + 1));
  };
  size_t line = first;
  Scan(block.lines().substr(0, block.offset(last)), block.offset(first), line_starts, line_of,
       [&](size_t end) {
         // No match runs over two lines, nor is empty: its last byte's line holds it.
         line = block.LineAt(end - 1, line);
         on_match(line);
         return size_t{block.offset(line + 1)};
       });
}

}  // namespace vigie::logql
