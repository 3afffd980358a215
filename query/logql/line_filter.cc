#include "query/logql/line_filter.h"

#include <string.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "query/logql/ip_filter.h"
#include "query/logql/pattern.h"
#include "query/logql/quote.h"
#include "query/logql/regex.h"
#include "query/logql/regex_prefilter.h"
#include "query/logql/required_literal.h"

namespace vigie::logql {
namespace {

bool Contains(std::string_view haystack, std::string_view needle) {
  // glibc's memmem (two-way, vectorised first-byte search) is much faster than
  // std::string_view::find on long lines.
  return needle.empty() ||
         memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

bool IsRegex(FilterOp op) { return op == FilterOp::kRegex || op == FilterOp::kNotRegex; }
bool IsPattern(FilterOp op) { return op == FilterOp::kPattern || op == FilterOp::kNotPattern; }

}  // namespace

std::string_view FilterOpSymbol(FilterOp op) {
  switch (op) {
    case FilterOp::kContains:
      return "|=";
    case FilterOp::kNotContains:
      return "!=";
    case FilterOp::kRegex:
      return "|~";
    case FilterOp::kNotRegex:
      return "!~";
    case FilterOp::kPattern:
      return "|>";
    case FilterOp::kNotPattern:
      return "!>";
  }
  return "?";
}

bool IsNegated(FilterOp op) {
  return op == FilterOp::kNotContains || op == FilterOp::kNotRegex || op == FilterOp::kNotPattern;
}

std::string ToString(const LineFilterSpec& spec) {
  auto term = [](const std::string& pattern, bool ip) {
    return ip ? absl::StrCat("ip(", Quote(pattern), ")") : Quote(pattern);
  };
  std::string out =
      absl::StrCat(std::string(FilterOpSymbol(spec.op)), " ", term(spec.pattern, spec.ip));
  for (const FilterTerm& t : spec.more) absl::StrAppend(&out, " or ", term(t.pattern, t.ip));
  return out;
}

absl::StatusOr<LineFilter> LineFilter::Make(std::vector<LineFilterSpec> specs,
                                            const Limits& limits) {
  LineFilter filter;
  for (LineFilterSpec& spec : specs) {
    if (absl::Status s = filter.Add(std::move(spec), limits); !s.ok()) return s;
  }
  return filter;
}

absl::Status LineFilter::Add(LineFilterSpec spec, const Limits& limits) {
  Step step{IsNegated(spec.op), {}, true};
  std::vector<FilterTerm> terms = {{spec.pattern, spec.ip}};
  terms.insert(terms.end(), spec.more.begin(), spec.more.end());
  // The literal each alternative requires ("" when unknown), and for a lone |> every literal
  // part of its pattern.
  std::vector<NeededLiteral> alternatives;
  std::vector<std::string> all_required;
  for (const FilterTerm& t : terms) {
    Term term;
    std::string required;
    std::string folded;  // Of a regex, when longer than `required`.
    if (t.ip) {
      if (spec.op != FilterOp::kContains && spec.op != FilterOp::kNotContains) {
        return absl::InvalidArgumentError(absl::StrCat("ip() works with |= and != only, not ",
                                                       std::string(FilterOpSymbol(spec.op))));
      }
      absl::StatusOr<IpMatcher> ip = IpMatcher::Parse(t.pattern);
      if (!ip.ok()) return ip.status();
      term.ip = std::make_shared<const IpMatcher>(*std::move(ip));
      // An IPv4 address has one written form: lines holding it contain that text.
      IpAddress single;
      if (IpAddress::Parse(t.pattern, &single) && !single.v6) required = t.pattern;
    } else if (IsRegex(spec.op)) {
      absl::StatusOr<std::shared_ptr<const re2::RE2>> re = CompileRegex(t.pattern, limits);
      if (!re.ok()) return re.status();
      term.re = *std::move(re);
      required = RequiredLiteral(t.pattern);
      folded = RequiredFoldedLiteral(t.pattern);
      if (folded.size() <= required.size()) folded.clear();
      if (!IsNegated(spec.op) && terms.size() == 1 &&
          std::max(required.size(), folded.size()) < kSelectiveLiteral && !prefilter_) {
        prefilter_ = RegexPrefilter::Make(*term.re);
        step.prefiltered = prefilter_ != nullptr;
      }
    } else if (IsPattern(spec.op)) {
      absl::StatusOr<Pattern> pattern = Pattern::ForLineFilter(t.pattern);
      if (!pattern.ok()) return pattern.status();
      term.pattern = std::make_shared<const Pattern>(*std::move(pattern));
      for (std::string_view literal : term.pattern->Literals()) {
        if (literal.size() > required.size()) required = std::string(literal);
        if (terms.size() == 1) all_required.emplace_back(literal);
      }
    } else {
      term.literal = t.pattern;
      required = t.pattern;
    }
    step.cheap = step.cheap && !term.re && !term.ip && !term.pattern;
    step.terms.push_back(std::move(term));
    if (!folded.empty()) {
      alternatives.push_back({std::move(folded), true});
    } else {
      alternatives.push_back({std::move(required), false});
    }
  }
  if (!step.negated) {
    bool each_has_one = std::none_of(alternatives.begin(), alternatives.end(),
                                     [](const NeededLiteral& l) { return l.text.empty(); });
    if (terms.size() == 1 && each_has_one) {
      std::string& best =
          alternatives[0].case_folded ? required_folded_literal_ : required_literal_;
      if (alternatives[0].text.size() > best.size()) best = alternatives[0].text;
    }
    if (required_folded_literal_.size() <= required_literal_.size())
      required_folded_literal_.clear();
    if (all_required.size() > 1) {
      for (std::string& literal : all_required)
        required_any_.push_back({{std::move(literal), false}});
    } else if (each_has_one) {
      required_any_.push_back(std::move(alternatives));
    }
  }
  auto first_costly =
      std::find_if(steps_.begin(), steps_.end(), [](const Step& s) { return !s.cheap; });
  steps_.insert(step.cheap ? first_costly : steps_.end(), std::move(step));
  specs_.push_back(std::move(spec));
  return absl::OkStatus();
}

LineFilter LineFilter::ForThread() const {
  LineFilter copy = *this;
  for (Step& step : copy.steps_) {
    for (Term& term : step.terms) {
      if (term.re)
        term.re = std::make_shared<const re2::RE2>(term.re->pattern(), term.re->options());
    }
  }
  return copy;
}

bool LineFilter::Term::Matches(std::string_view line) const {
  if (re) return re2::RE2::PartialMatch(line, *re);
  if (ip) return ip->MatchesText(line);
  if (pattern) return pattern->Test(line);
  return Contains(line, literal);
}

bool LineFilter::StepMatches(const Step& step, std::string_view line) const {
  bool hit = std::any_of(step.terms.begin(), step.terms.end(),
                         [line](const Term& t) { return t.Matches(line); });
  return hit != step.negated;
}

bool LineFilter::Matches(std::string_view line) const {
  return std::all_of(steps_.begin(), steps_.end(),
                     [&](const Step& step) { return StepMatches(step, line); });
}

bool LineFilter::MatchesBesidesPrefiltered(std::string_view line) const {
  return std::all_of(steps_.begin(), steps_.end(),
                     [&](const Step& step) { return step.prefiltered || StepMatches(step, line); });
}

bool LineFilter::MayMatch(const std::function<bool(const NeededLiteral&)>& may_contain) const {
  return std::all_of(required_any_.begin(), required_any_.end(),
                     [&](const std::vector<NeededLiteral>& any) {
                       return std::any_of(any.begin(), any.end(), may_contain);
                     });
}

}  // namespace vigie::logql
