// Go's String() of parse nodes: what a render error shows in "at <...>".
#include "common/strings.h"
#include "query/gotemplate/internal.h"

namespace vigie::gotemplate::internal {
namespace {

void AppendPath(const std::vector<std::string>& path, std::string* out) {
  for (const std::string& field : path) StrAppend(out, ".", field);
}

}  // namespace

std::string Describe(const Operand& op) {
  std::string out;
  switch (op.kind) {
    case Operand::Kind::kField:
      AppendPath(op.path, &out);
      return out;
    case Operand::Kind::kDot:
      return ".";
    case Operand::Kind::kNil:
      return "nil";
    case Operand::Kind::kLiteral:
    case Operand::Kind::kFunction:
      return op.source;
    case Operand::Kind::kVariable:
      out = op.source;
      AppendPath(op.path, &out);
      return out;
    case Operand::Kind::kPipeline:
      out = StrCat("(", Describe(*op.pipeline), ")");
      AppendPath(op.path, &out);
      return out;
  }
  return out;
}

std::string Describe(const Command& command) {
  std::string out;
  for (size_t i = 0; i < command.operands.size(); ++i) {
    StrAppend(&out, i > 0 ? " " : "", Describe(command.operands[i]));
  }
  return out;
}

std::string Describe(const Pipeline& pipeline) {
  std::string out;
  for (size_t i = 0; i < pipeline.declare.size(); ++i) {
    StrAppend(&out, i > 0 ? ", " : "", pipeline.declare[i]);
  }
  if (!pipeline.declare.empty()) StrAppend(&out, pipeline.assign ? " = " : " := ");
  for (size_t i = 0; i < pipeline.commands.size(); ++i) {
    StrAppend(&out, i > 0 ? " | " : "", Describe(pipeline.commands[i]));
  }
  return out;
}

}  // namespace vigie::gotemplate::internal
