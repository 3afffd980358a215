// The parsed tree of a template and the entry points between parse.cc, exec.cc and
// describe.cc. Internal to vigie_gotemplate.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/gotemplate/template.h"

namespace vigie::gotemplate::internal {

// Deeper nesting of blocks and parentheses is a parse error: it bounds the recursion.
inline constexpr int kMaxDepth = 64;
// Go's limit on {{range}} nesting and template recursion does not apply (no {{template}}); this
// bounds the iterations of all ranges of one rendering, so a range over a huge query result
// that prints nothing still ends.
inline constexpr size_t kMaxIterations = 1 << 20;

struct Pipeline;
struct Operand {
  // kField: .a.b from the dot; kVariable: $x.a.b; kPipeline: (p).a.b; the others take no chain.
  enum class Kind { kField, kDot, kVariable, kLiteral, kNil, kFunction, kPipeline };
  Kind kind = Kind::kLiteral;
  size_t offset = 0;
  std::string source;                  // kLiteral: as written ("a", 1.5); kVariable: "$x".
  std::vector<std::string> path;       // The field chain after the operand.
  Value literal;                       // kLiteral.
  const Function* function = nullptr;  // kFunction; "and" and "or" evaluate lazily.
  std::unique_ptr<Pipeline> pipeline;  // kPipeline: ( ... ).
};
struct Command {
  size_t offset = 0;
  std::vector<Operand> operands;  // A function and its arguments, or a single value.
};
struct Pipeline {
  size_t offset = 0;
  std::vector<std::string> declare;  // {{$x := p}} or {{range $i, $e := p}}: "$x", ...
  bool assign = false;               // {{$x = p}}: set, not declare.
  std::vector<Command> commands;     // a | b | c.
};
struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kBreak, kContinue };
  Kind kind = Kind::kText;
  size_t offset = 0;
  std::string text;                   // kText.
  Pipeline pipeline;                  // kAction; the condition or value of kIf, kRange, kWith.
  std::vector<Node> then, otherwise;  // {{else if}} is a kIf alone in `otherwise`.
};

// Parses source.preamble + source.text into nodes; errors as Template::Parse.
absl::StatusOr<std::vector<Node>> ParseNodes(const Source& source, const Dialect& dialect);

// Go's String() of a tree part, for the "at <...>" of render errors.
std::string Describe(const Operand& op);
std::string Describe(const Command& command);
std::string Describe(const Pipeline& pipeline);

// Where a render error happened: what Go's exec state last pointed at.
struct Location {
  size_t offset = 0;
  const Operand* operand = nullptr;
  const Command* command = nullptr;
  const Pipeline* pipeline = nullptr;
};
// Renders nodes; on error, *where is the place to name.
absl::Status RenderNodes(const std::vector<Node>& nodes, const Data& data, std::string* out,
                         Location* where);

}  // namespace vigie::gotemplate::internal
