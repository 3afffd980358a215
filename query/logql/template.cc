// Template: parsing (template_parse.cc), then evaluation of the tree, here.
#include "query/logql/template.h"
#include "common/strings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/go_format.h"
#include "query/logql/template_internal.h"

namespace vigie::logql {
namespace tmpl {
namespace {

absl::StatusOr<Value> EvalPipeline(const Pipeline& pipeline, const TemplateData& data);

absl::StatusOr<Value> Call(const Function& fn, std::vector<Value>& args, const TemplateData& data) {
  const int n = static_cast<int>(args.size());
  if (n < fn.min_args || (fn.max_args >= 0 && n > fn.max_args)) {
    return absl::InvalidArgumentError(StrCat("wrong number of args for ", fn.name, ": want ",
                                             fn.max_args == fn.min_args ? StrCat(fn.min_args)
                                             : fn.max_args < 0
                                                 ? StrCat("at least ", fn.min_args)
                                                 : StrCat(fn.min_args, " to ", fn.max_args),
                                             " got ", n));
  }
  absl::StatusOr<Value> v = fn.impl(args, data);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        StrCat("error calling ", fn.name, ": ", v.status().message()));
  }
  return v;
}

absl::StatusOr<Value> EvalOperand(const Operand& op, const TemplateData& data) {
  switch (op.kind) {
    case Operand::Kind::kField: {
      if (op.path.size() > 1) {
        return absl::InvalidArgumentError(
            StrCat("can't evaluate field ", op.path[1], " in type string"));
      }
      std::optional<std::string_view> value = data.Get(op.path[0]);
      return Value::String(value ? std::string(*value) : std::string());
    }
    case Operand::Kind::kDot:
      return Value{Value::Type::kDot};
    case Operand::Kind::kLiteral:
      return op.literal;
    case Operand::Kind::kPipeline:
      return EvalPipeline(*op.pipeline, data);
    case Operand::Kind::kFunction: {
      std::vector<Value> none;
      return Call(*op.function, none, data);
    }
  }
  return absl::InternalError("unknown operand");
}

// and/or: Go evaluates the arguments in order and stops at the first that decides.
absl::StatusOr<Value> AndOr(const Command& command, const Value* piped, const TemplateData& data) {
  const bool is_and = command.operands[0].function->name == "and";
  const size_t n = command.operands.size() - 1 + (piped ? 1 : 0);
  if (n == 0) {
    return absl::InvalidArgumentError(StrCat("wrong number of args for ",
                                             command.operands[0].function->name,
                                             ": want at least 1 got 0"));
  }
  Value v;
  for (size_t i = 1; i <= n; ++i) {
    if (i < command.operands.size()) {
      absl::StatusOr<Value> arg = EvalOperand(command.operands[i], data);
      if (!arg.ok()) return arg.status();
      v = *std::move(arg);
    } else {
      v = *piped;
    }
    if (Truth(v, data) != is_and) break;
  }
  return v;
}

absl::StatusOr<Value> EvalCommand(const Command& command, const Value* piped,
                                  const TemplateData& data) {
  const Operand& first = command.operands[0];
  if (first.kind != Operand::Kind::kFunction) {
    if (command.operands.size() > 1 || piped) {
      return absl::InvalidArgumentError(
          "can't give argument to non-function (only functions take arguments or a piped value)");
    }
    return EvalOperand(first, data);
  }
  if (first.function->name == "and" || first.function->name == "or") {
    return AndOr(command, piped, data);
  }
  std::vector<Value> args;
  args.reserve(command.operands.size());
  for (size_t i = 1; i < command.operands.size(); ++i) {
    absl::StatusOr<Value> arg = EvalOperand(command.operands[i], data);
    if (!arg.ok()) return arg.status();
    args.push_back(*std::move(arg));
  }
  if (piped) args.push_back(*piped);
  return Call(*first.function, args, data);
}

absl::StatusOr<Value> EvalPipeline(const Pipeline& pipeline, const TemplateData& data) {
  Value value;
  bool piped = false;
  for (const Command& command : pipeline.commands) {
    absl::StatusOr<Value> v = EvalCommand(command, piped ? &value : nullptr, data);
    if (!v.ok()) return v.status();
    value = *std::move(v);
    piped = true;
  }
  return value;
}

void CollectFields(const Pipeline& pipeline, std::vector<std::string>* fields, bool* uses_line,
                   bool* uses_dot);

void CollectFields(const std::vector<Node>& nodes, std::vector<std::string>* fields,
                   bool* uses_line, bool* uses_dot) {
  for (const Node& node : nodes) {
    if (node.kind == Node::Kind::kText) continue;
    CollectFields(node.pipeline, fields, uses_line, uses_dot);
    CollectFields(node.then, fields, uses_line, uses_dot);
    CollectFields(node.otherwise, fields, uses_line, uses_dot);
  }
}

void CollectFields(const Pipeline& pipeline, std::vector<std::string>* fields, bool* uses_line,
                   bool* uses_dot) {
  for (const Command& command : pipeline.commands) {
    for (const Operand& op : command.operands) {
      if (op.kind == Operand::Kind::kField) fields->push_back(op.path[0]);
      if (op.kind == Operand::Kind::kDot) *uses_dot = true;
      if (op.kind == Operand::Kind::kPipeline)
        CollectFields(*op.pipeline, fields, uses_line, uses_dot);
      if (op.kind == Operand::Kind::kFunction && op.function->name == "__line__") {
        *uses_line = true;
      }
    }
  }
}

}  // namespace

std::string_view TypeName(Value::Type type) {
  switch (type) {
    case Value::Type::kString:
      return "string";
    case Value::Type::kInt:
      return "int";
    case Value::Type::kFloat:
      return "float64";
    case Value::Type::kBool:
      return "bool";
    case Value::Type::kTime:
      return "time.Time";
    case Value::Type::kDot:
      return "map[string]string";
  }
  return "?";
}

bool Truth(const Value& v, const TemplateData& data) {
  switch (v.type) {
    case Value::Type::kString:
      return !v.str.empty();
    case Value::Type::kInt:
      return v.i != 0;
    case Value::Type::kFloat:
      return v.f != 0;
    case Value::Type::kBool:
      return v.b;
    case Value::Type::kTime:
      return true;
    case Value::Type::kDot:
      return !data.All().empty();
  }
  return false;
}

void AppendValue(const Value& v, const TemplateData& data, std::string* out) {
  switch (v.type) {
    case Value::Type::kString:
      out->append(v.str);
      return;
    case Value::Type::kInt:
      StrAppend(out, v.i);
      return;
    case Value::Type::kFloat:
      out->append(FormatGoFloat(v.f));
      return;
    case Value::Type::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case Value::Type::kTime:
      out->append(FormatTime("2006-01-02 15:04:05.999999999 -0700 MST", v.i));
      return;
    case Value::Type::kDot: {
      std::vector<std::pair<std::string, std::string>> all = data.All();
      std::sort(all.begin(), all.end());
      StrAppend(out, "map[", absl::StrJoin(all, " ", absl::PairFormatter(":")), "]");
      return;
    }
  }
}

absl::Status RenderNodes(const std::vector<Node>& nodes, const TemplateData& data,
                         std::string* out) {
  for (const Node& node : nodes) {
    switch (node.kind) {
      case Node::Kind::kText:
        out->append(node.text);
        break;
      case Node::Kind::kAction: {
        absl::StatusOr<Value> v = EvalPipeline(node.pipeline, data);
        if (!v.ok()) return v.status();
        AppendValue(*v, data, out);
        break;
      }
      case Node::Kind::kIf: {
        absl::StatusOr<Value> v = EvalPipeline(node.pipeline, data);
        if (!v.ok()) return v.status();
        absl::Status s = RenderNodes(Truth(*v, data) ? node.then : node.otherwise, data, out);
        if (!s.ok()) return s;
        break;
      }
    }
    if (out->size() > kMaxOutput) {
      return absl::InvalidArgumentError("template output is larger than 1 MiB");
    }
  }
  return absl::OkStatus();
}

}  // namespace tmpl

Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

absl::StatusOr<Template> Template::Parse(std::string_view text) {
  absl::StatusOr<std::vector<tmpl::Node>> nodes = tmpl::ParseNodes(text);
  if (!nodes.ok()) return nodes.status();
  Template t;
  t.text_ = std::string(text);
  t.nodes_ = std::make_unique<std::vector<tmpl::Node>>(*std::move(nodes));
  tmpl::CollectFields(*t.nodes_, &t.fields_, &t.uses_line_, &t.uses_dot_);
  std::sort(t.fields_.begin(), t.fields_.end());
  t.fields_.erase(std::unique(t.fields_.begin(), t.fields_.end()), t.fields_.end());
  const std::vector<tmpl::Node>& n = *t.nodes_;
  if (n.size() == 1 && n[0].kind == tmpl::Node::Kind::kAction &&
      n[0].pipeline.commands.size() == 1 && n[0].pipeline.commands[0].operands.size() == 1) {
    const tmpl::Operand& op = n[0].pipeline.commands[0].operands[0];
    if (op.kind == tmpl::Operand::Kind::kField && op.path.size() == 1) t.simple_field_ = op.path[0];
  }
  return t;
}

absl::Status Template::Render(const TemplateData& data, std::string* out) const {
  out->clear();
  return tmpl::RenderNodes(*nodes_, data, out);
}

}  // namespace vigie::logql
