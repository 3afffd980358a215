// The structure the parser builds: precedence and associativity of the operators, unary minus,
// where modifiers attach, the fields the evaluator reads (matchers, range, @, offset, vector
// matching, grouping), and the result type of each expression.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/strings.h"
#include "query/promql/parser.h"

namespace vigie::promql {
namespace {

// A fully parenthesised prefix form of the tree: (+ a (* b c)).
std::string Tree(const Expr& expr) {
  if (const auto* b = expr.As<BinaryExpr>()) {
    return StrCat("(", BinaryOpName(b->op), " ", Tree(*b->lhs), " ", Tree(*b->rhs), ")");
  }
  if (const auto* u = expr.As<UnaryExpr>()) {
    return StrCat("(", u->negate ? "neg " : "pos ", Tree(*u->operand), ")");
  }
  if (const auto* p = expr.As<ParenExpr>()) return StrCat("(paren ", Tree(*p->inner), ")");
  if (const auto* s = expr.As<SubqueryExpr>()) return StrCat("(subquery ", Tree(*s->inner), ")");
  if (const auto* c = expr.As<Call>()) {
    std::string out = StrCat("(", c->function->name);
    for (const ExprPtr& arg : c->args) StrAppend(&out, " ", Tree(*arg));
    return out + ")";
  }
  if (const auto* a = expr.As<AggregateExpr>()) {
    return StrCat("(", AggregateOpName(a->op), a->param ? " " + Tree(*a->param) : "", " ",
                  Tree(*a->operand), ")");
  }
  return ToString(expr);
}

struct TreeCase {
  const char* query;
  const char* tree;
  ValueType type;
};

void PrintTo(const TreeCase& c, std::ostream* os) { *os << c.query; }

using enum ValueType;
const TreeCase kTrees[] = {
    {"a + b * c", "(+ a (* b c))", kVector},
    {"a * b + c", "(+ (* a b) c)", kVector},
    {"a - b - c", "(- (- a b) c)", kVector},
    {"a / b / c", "(/ (/ a b) c)", kVector},
    {"a ^ b ^ c", "(^ a (^ b c))", kVector},
    {"a * b ^ c", "(* a (^ b c))", kVector},
    {"a % b atan2 c * d", "(* (atan2 (% a b) c) d)", kVector},
    {"a + b > c - d", "(> (+ a b) (- c d))", kVector},
    {"a > b == c", "(== (> a b) c)", kVector},
    {"a > b and c < d", "(and (> a b) (< c d))", kVector},
    {"a and b unless c", "(unless (and a b) c)", kVector},
    {"a or b and c", "(or a (and b c))", kVector},
    {"a or b or c", "(or (or a b) c)", kVector},
    {"a unless b or c and d", "(or (unless a b) (and c d))", kVector},
    {"-a ^ b", "(neg (^ a b))", kVector},
    {"-a * b", "(* (neg a) b)", kVector},
    {"-a + b", "(+ (neg a) b)", kVector},
    {"a * -b ^ c", "(* a (neg (^ b c)))", kVector},
    {"a + -b * c", "(+ a (* (neg b) c))", kVector},
    {"2 ^ -1 * 3", "(* (^ 2 -1) 3)", kScalar},
    {"-1 ^ 2", "(neg (^ 1 2))", kScalar},
    {"- - 1 * 2", "(* 1 2)", kScalar},
    {"-(1)", "(neg (paren 1))", kScalar},
    {"1 + 2", "(+ 1 2)", kScalar},
    {"1 + foo", "(+ 1 foo)", kVector},
    {"1 == bool 1", "(== 1 1)", kScalar},
    {"(a + b) * c", "(* (paren (+ a b)) c)", kVector},
    {"a + b offset 5m", "(+ a b offset 5m)", kVector},
    {"rate(a[5m:]) + b", "(+ (rate (subquery a)) b)", kVector},
    {"sum(a) by (x) + 1", "(+ (sum a) 1)", kVector},
    {"topk(2, a) * 3", "(* (topk 2 a) 3)", kVector},
    {"rate(a[5m]) / rate(b[5m])", "(/ (rate a[5m]) (rate b[5m]))", kVector},
    {"time()", "(time)", kScalar},
    {"scalar(a) * 2", "(* (scalar a) 2)", kScalar},
    {"a[5m]", "a[5m]", kMatrix},
    {"a[5m:1m]", "(subquery a)", kMatrix},
    {"\"s\"", "\"s\"", kString},
    {"(a)", "(paren a)", kVector},
};

class TreeTest : public testing::TestWithParam<TreeCase> {};

TEST_P(TreeTest, HasTheStructureAndTypeOfPrometheus) {
  const TreeCase& c = GetParam();
  absl::StatusOr<ExprPtr> expr = Parse(c.query, Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  EXPECT_EQ(Tree(**expr), c.tree);
  EXPECT_EQ((*expr)->type(), c.type);
}

INSTANTIATE_TEST_SUITE_P(Operators, TreeTest, testing::ValuesIn(kTrees));

const Selector& SelectorIn(const Expr& expr) {
  const auto* leaf = expr.As<LeafExpr>();
  EXPECT_NE(leaf, nullptr);
  return dynamic_cast<const Selector&>(*leaf->leaf);
}

TEST(SelectorTest, KeepsMatchersInOrderWithTheNameLast) {
  absl::StatusOr<ExprPtr> expr = Parse(R"(http_requests{job=~"api|web", code!="200"})", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  const Selector& s = SelectorIn(**expr);
  EXPECT_EQ(s.metric_name, "http_requests");
  ASSERT_EQ(s.matchers.size(), 3u);
  EXPECT_EQ(s.matchers[0].ToString(), R"(job=~"api|web")");
  EXPECT_EQ(s.matchers[1].ToString(), R"(code!="200")");
  EXPECT_EQ(s.matchers[2].ToString(), R"(__name__="http_requests")");
  EXPECT_TRUE(s.matchers[0].Matches("web"));
  EXPECT_FALSE(s.matchers[0].Matches("web2"));  // Anchored, as in Prometheus.
  EXPECT_EQ(s.type(), kVector);
  EXPECT_EQ(s.range_ns, 0);
  EXPECT_EQ(s.modifiers, TimeModifiers());
}

TEST(SelectorTest, CarriesRangeOffsetAndAt) {
  absl::StatusOr<ExprPtr> expr = Parse("foo[1h30m] @ 1700000000.25 offset -2m", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  const Selector& s = SelectorIn(**expr);
  EXPECT_EQ(s.type(), kMatrix);
  EXPECT_EQ(s.range_ns, 5400LL * 1'000'000'000);
  EXPECT_EQ(s.modifiers.at, TimeModifiers::At::kTimestamp);
  EXPECT_EQ(s.modifiers.at_ms, 1700000000250);
  EXPECT_EQ(s.modifiers.offset_ns, -120LL * 1'000'000'000);
  EXPECT_EQ(&s.time(), &s.modifiers);
}

TEST(SubqueryTest, CarriesRangeStepAndModifiers) {
  absl::StatusOr<ExprPtr> expr = Parse("rate(foo[5m])[1h:30s] @ end() offset 10m", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  const auto* sub = (*expr)->As<SubqueryExpr>();
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->range_ns, 3600LL * 1'000'000'000);
  EXPECT_EQ(sub->step_ns, 30LL * 1'000'000'000);
  EXPECT_EQ(sub->modifiers.at, TimeModifiers::At::kEnd);
  EXPECT_EQ(sub->modifiers.offset_ns, 600LL * 1'000'000'000);
  EXPECT_EQ(sub->inner->type(), kVector);
}

TEST(BinaryTest, VectorMatchingBetweenVectorsOnly) {
  absl::StatusOr<ExprPtr> expr = Parse("a / on (x, y) group_left (z) b", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  const auto* bin = (*expr)->As<BinaryExpr>();
  ASSERT_NE(bin, nullptr);
  ASSERT_TRUE(bin->matching.has_value());
  EXPECT_EQ(bin->matching->card, VectorMatching::Card::kManyToOne);
  EXPECT_TRUE(bin->matching->on);
  EXPECT_THAT(bin->matching->labels, testing::ElementsAre("x", "y"));
  EXPECT_THAT(bin->matching->include, testing::ElementsAre("z"));
  EXPECT_EQ(bin->op_pos, 2u);

  expr = Parse("a or b", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  EXPECT_EQ((*expr)->As<BinaryExpr>()->matching->card, VectorMatching::Card::kManyToMany);

  expr = Parse("a > bool 1", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  EXPECT_TRUE((*expr)->As<BinaryExpr>()->return_bool);
  EXPECT_FALSE((*expr)->As<BinaryExpr>()->matching.has_value());
}

TEST(AggregateTest, GroupingAndParameter) {
  absl::StatusOr<ExprPtr> expr = Parse("count_values without (a, b) (\"v\", foo)", Limits());
  ASSERT_TRUE(expr.ok()) << expr.status();
  const auto* agg = (*expr)->As<AggregateExpr>();
  ASSERT_NE(agg, nullptr);
  EXPECT_EQ(agg->op, AggregateOp::kCountValues);
  EXPECT_TRUE(agg->without);
  EXPECT_THAT(agg->grouping, testing::ElementsAre("a", "b"));
  ASSERT_NE(agg->param, nullptr);
  EXPECT_EQ(agg->param->As<StringLiteral>()->value, "v");
}

TEST(FunctionTableTest, ArityAndTypesFromTheTable) {
  const Function* f = FindFunction("label_join");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->min_args(), 3u);
  EXPECT_EQ(f->max_args(), SIZE_MAX);
  EXPECT_EQ(f->arg_type(7), kString);
  f = FindFunction("round");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->min_args(), 1u);
  EXPECT_EQ(f->max_args(), 2u);
  EXPECT_EQ(FindFunction("Rate"), nullptr);  // Names are case-sensitive, as in Prometheus.
  std::span<const Function> all = AllFunctions();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const Function& a, const Function& b) { return a.name < b.name; }));
  for (const Function& fn : all) EXPECT_EQ(FindFunction(fn.name), &fn) << fn.name;
}

TEST(LimitsTest, LongAndDeepQueriesAreRefused) {
  Limits limits;
  limits.max_query_bytes = 10;
  absl::StatusOr<ExprPtr> expr = Parse("sum(rate(foo[5m]))", limits);
  EXPECT_THAT(expr.status().message(), testing::HasSubstr("more than the limit of 10"));
  EXPECT_FALSE(logql::ErrorOffset(expr.status()).has_value());

  std::string deep = std::string(300, '(') + "1" + std::string(300, ')');
  expr = Parse(deep, Limits());
  EXPECT_THAT(expr.status().message(), testing::HasSubstr("nests deeper than 256 levels"));
  std::string chain = "1";
  for (int i = 0; i < 300; ++i) chain += " + 1";
  expr = Parse(chain, Limits());
  EXPECT_THAT(expr.status().message(), testing::HasSubstr("nests deeper than 256 levels"));
  chain = "1";
  for (int i = 0; i < 200; ++i) chain += " + 1";
  EXPECT_TRUE(Parse(chain, Limits()).ok());
}

}  // namespace
}  // namespace vigie::promql
