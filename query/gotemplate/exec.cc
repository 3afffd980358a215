// Template: parsing (parse.cc), then evaluation of the tree, here, as Go's text/template/exec.go
// does it: a dot, a stack of variables, and the node last evaluated for error messages.
#include <algorithm>

#include "common/strings.h"
#include "query/gotemplate/internal.h"
#include "query/gotemplate/methods.h"

namespace vigie::gotemplate {
namespace internal {
namespace {

enum class Flow { kNormal, kBreak, kContinue };

class State {
 public:
  State(const Data& data, std::string* out, Location* where)
      : data_(data), out_(*out), where_(*where) {
    vars_.emplace_back("$", Value::Root());
  }

  absl::Status Walk(const std::vector<Node>& nodes, const Value& dot, Flow* flow) {
    for (const Node& node : nodes) {
      if (absl::Status s = WalkNode(node, dot, flow); !s.ok()) return s;
      if (out_.size() > kMaxOutput) {
        where_ = {};
        return absl::InvalidArgumentError("template output is larger than 1 MiB");
      }
      if (*flow != Flow::kNormal) return absl::OkStatus();
    }
    return absl::OkStatus();
  }

 private:
  void At(const Operand& op) { where_ = {op.offset, &op}; }
  void At(const Command& c) { where_ = {c.offset, nullptr, &c}; }
  void At(const Pipeline& p) { where_ = {p.offset, nullptr, nullptr, &p}; }

  absl::Status WalkNode(const Node& node, const Value& dot, Flow* flow) {
    switch (node.kind) {
      case Node::Kind::kText:
        out_.append(node.text);
        return absl::OkStatus();
      case Node::Kind::kBreak:
        *flow = Flow::kBreak;
        return absl::OkStatus();
      case Node::Kind::kContinue:
        *flow = Flow::kContinue;
        return absl::OkStatus();
      case Node::Kind::kAction: {
        absl::StatusOr<Value> v = EvalPipeline(node.pipeline, dot, true);
        if (!v.ok()) return v.status();
        if (node.pipeline.declare.empty()) Print(*v);
        return absl::OkStatus();
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        const size_t mark = vars_.size();
        absl::StatusOr<Value> v = EvalPipeline(node.pipeline, dot, true);
        absl::Status s = v.status();
        if (s.ok()) {
          const bool truth = Truth(*v, data_);
          const Value& inner = node.kind == Node::Kind::kWith && truth ? *v : dot;
          s = Walk(truth ? node.then : node.otherwise, inner, flow);
        }
        vars_.resize(mark);
        return s;
      }
      case Node::Kind::kRange:
        return Range(node, dot, flow);
    }
    return absl::OkStatus();
  }

  // Go's printValue: nil prints "<no value>", a pointer prints what it points to.
  void Print(const Value& v) {
    if (v.type == Value::Type::kNil) {
      out_.append("<no value>");
    } else if (v.type == Value::Type::kStruct && v.strct->pointer) {
      StructValue copy = *v.strct;
      copy.pointer = false;
      AppendValue(Value::Struct(std::move(copy)), data_, &out_);
    } else {
      AppendValue(v, data_, &out_);
    }
  }

  absl::Status Range(const Node& node, const Value& dot, Flow* flow) {
    absl::StatusOr<Value> evaluated = EvalPipeline(node.pipeline, dot, false);
    if (!evaluated.ok()) return evaluated.status();
    const Value v = Resolve(*evaluated, data_);
    const size_t mark = vars_.size();
    size_t count = 0;
    auto one = [&](Value index, const Value& elem) -> absl::Status {
      if (++iterations_ > kMaxIterations) {
        return absl::InvalidArgumentError("template ranges over more than 1048576 elements");
      }
      ++count;
      const std::vector<std::string>& names = node.pipeline.declare;
      if (node.pipeline.assign) {
        if (!names.empty()) SetVar(names.back(), elem);
        if (names.size() > 1) SetVar(names[0], index);
      } else if (names.size() == 1) {
        vars_.emplace_back(names[0], elem);
      } else if (names.size() == 2) {
        vars_.emplace_back(names[0], std::move(index));
        vars_.emplace_back(names[1], elem);
      }
      Flow inner = Flow::kNormal;
      absl::Status s = Walk(node.then, elem, &inner);
      vars_.resize(mark);
      if (inner == Flow::kBreak) *flow = Flow::kBreak;
      return s;
    };
    auto run = [&]() -> absl::Status {
      switch (v.type) {
        case Value::Type::kList:
          for (size_t i = 0; i < v.list->size(); ++i) {
            if (absl::Status s = one(Value::Int(static_cast<int64_t>(i)), (*v.list)[i]); !s.ok()) {
              return s;
            }
            if (*flow == Flow::kBreak) break;
          }
          return absl::OkStatus();
        case Value::Type::kMap:
          for (const auto& [key, elem] : *v.map) {
            if (absl::Status s = one(Value::String(key), elem); !s.ok()) return s;
            if (*flow == Flow::kBreak) break;
          }
          return absl::OkStatus();
        case Value::Type::kInt:
          for (int64_t i = 0; i < v.i; ++i) {
            if (absl::Status s = one(Value::Int(i), Value::Int(i)); !s.ok()) return s;
            if (*flow == Flow::kBreak) break;
          }
          return absl::OkStatus();
        case Value::Type::kNil:
          return absl::OkStatus();
        default: {
          std::string shown;
          AppendValue(v, data_, &shown);
          return absl::InvalidArgumentError(StrCat("range can't iterate over ", shown));
        }
      }
    };
    absl::Status s = run();
    *flow = Flow::kNormal;  // A break ends this range only.
    if (!s.ok()) return s;
    if (count == 0) return Walk(node.otherwise, dot, flow);
    return absl::OkStatus();
  }

  void SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    }
  }

  // Evaluates a pipeline; with `declare`, binds the variables it declares or assigns.
  absl::StatusOr<Value> EvalPipeline(const Pipeline& pipeline, const Value& dot, bool declare) {
    At(pipeline);
    Value value;
    bool piped = false;
    for (const Command& command : pipeline.commands) {
      absl::StatusOr<Value> v = EvalCommand(command, piped ? &value : nullptr, dot);
      if (!v.ok()) return v.status();
      value = *std::move(v);
      piped = true;
    }
    if (declare) {
      for (const std::string& name : pipeline.declare) {
        if (pipeline.assign) {
          SetVar(name, value);
        } else {
          vars_.emplace_back(name, value);
        }
      }
    }
    return value;
  }

  absl::StatusOr<Value> Variable(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) return vars_[i].second;
    }
    return absl::InvalidArgumentError(StrCat("undefined variable: ", name));
  }

  // One step of a field chain: Go's evalField without methods (see methods.h for those).
  absl::StatusOr<Value> Field(const Value& receiver, const std::string& name) {
    switch (receiver.type) {
      case Value::Type::kRoot: {
        std::optional<Value> v = data_.Field(name);
        if (v) return *std::move(v);
        break;
      }
      case Value::Type::kMap: {
        auto it = receiver.map->find(name);
        if (it != receiver.map->end()) return it->second;
        return receiver.elem_is_string ? Value::String("") : Value::Nil();
      }
      case Value::Type::kStruct:
        for (const auto& [field, value] : receiver.strct->fields) {
          if (field == name) return value;
        }
        break;
      case Value::Type::kNil:  // Go: a nil interface's fields are nil, with missingkey=zero.
        return Value::Nil();
      default:
        break;
    }
    return absl::InvalidArgumentError(
        StrCat("can't evaluate field ", name, " in type ", TypeName(receiver, data_)));
  }

  // receiver.path..., where the last step may be a method that takes `args`.
  absl::StatusOr<Value> Chain(Value receiver, const std::vector<std::string>& path,
                              std::vector<Value>* args) {
    for (size_t i = 0; i < path.size(); ++i) {
      const bool last = i + 1 == path.size();
      if (receiver.type == Value::Type::kTime) {
        absl::StatusOr<Value> v =
            CallMethod(receiver, path[i], last ? *args : std::vector<Value>{});
        if (!v.ok()) return v.status();
        receiver = *std::move(v);
        if (last) args->clear();
        continue;
      }
      absl::StatusOr<Value> v = Field(receiver, path[i]);
      if (!v.ok()) return v.status();
      receiver = *std::move(v);
    }
    if (!args->empty()) {
      return absl::InvalidArgumentError(
          "can't give argument to non-function (only functions take arguments or a piped value)");
    }
    return receiver;
  }

  absl::StatusOr<Value> EvalOperand(const Operand& op, const Value& dot, std::vector<Value>* args) {
    At(op);
    std::vector<Value> none;
    if (args == nullptr) args = &none;
    switch (op.kind) {
      case Operand::Kind::kField:
        return Chain(dot, op.path, args);
      case Operand::Kind::kVariable: {
        absl::StatusOr<Value> v = Variable(op.source);
        if (!v.ok()) return v.status();
        return Chain(*std::move(v), op.path, args);
      }
      case Operand::Kind::kPipeline: {
        absl::StatusOr<Value> v = EvalPipeline(*op.pipeline, dot, false);
        if (!v.ok()) return v.status();
        return Chain(*std::move(v), op.path, args);
      }
      case Operand::Kind::kDot:
      case Operand::Kind::kLiteral:
      case Operand::Kind::kNil:
        if (!args->empty()) {
          return absl::InvalidArgumentError(
              "can't give argument to non-function (only functions take arguments or a piped "
              "value)");
        }
        return op.kind == Operand::Kind::kDot       ? dot
               : op.kind == Operand::Kind::kLiteral ? op.literal
                                                    : Value::Nil();
      case Operand::Kind::kFunction:
        return Call(*op.function, *args, nullptr);
    }
    return absl::InternalError("unknown operand");
  }

  absl::StatusOr<Value> Call(const Function& fn, std::vector<Value>& args, const Command* command) {
    const int n = static_cast<int>(args.size());
    if (n < fn.min_args || (fn.max_args >= 0 && n > fn.max_args)) {
      return absl::InvalidArgumentError(StrCat("wrong number of args for ", fn.name, ": want ",
                                               fn.max_args == fn.min_args ? StrCat(fn.min_args)
                                               : fn.max_args < 0
                                                   ? StrCat("at least ", fn.min_args)
                                                   : StrCat(fn.min_args, " to ", fn.max_args),
                                               " got ", n));
    }
    for (Value& arg : args) {
      if (arg.type == Value::Type::kRoot) arg = data_.Whole();
    }
    absl::StatusOr<Value> v = fn.impl(args, data_);
    if (!v.ok()) {
      if (command != nullptr) At(*command);
      return absl::InvalidArgumentError(
          StrCat("error calling ", fn.name, ": ", v.status().message()));
    }
    return v;
  }

  // and/or: Go evaluates the arguments in order and stops at the first that decides.
  absl::StatusOr<Value> AndOr(const Command& command, const Value* piped, const Value& dot) {
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
        absl::StatusOr<Value> arg = EvalOperand(command.operands[i], dot, nullptr);
        if (!arg.ok()) return arg.status();
        v = *std::move(arg);
      } else {
        v = *piped;
      }
      if (Truth(v, data_) != is_and) break;
    }
    return v;
  }

  absl::StatusOr<Value> EvalCommand(const Command& command, const Value* piped, const Value& dot) {
    const Operand& first = command.operands[0];
    if (first.kind == Operand::Kind::kFunction &&
        (first.function->name == "and" || first.function->name == "or")) {
      At(first);
      return AndOr(command, piped, dot);
    }
    if (first.kind == Operand::Kind::kFunction) At(first);
    std::vector<Value> args;
    args.reserve(command.operands.size());
    for (size_t i = 1; i < command.operands.size(); ++i) {
      absl::StatusOr<Value> arg = EvalOperand(command.operands[i], dot, nullptr);
      if (!arg.ok()) return arg.status();
      args.push_back(*std::move(arg));
    }
    if (piped) args.push_back(*piped);
    if (first.kind == Operand::Kind::kFunction) return Call(*first.function, args, &command);
    return EvalOperand(first, dot, &args);
  }

  const Data& data_;
  std::string& out_;
  Location& where_;
  std::vector<std::pair<std::string, Value>> vars_;  // Innermost last; "$" is the root.
  size_t iterations_ = 0;
};

}  // namespace

absl::Status RenderNodes(const std::vector<Node>& nodes, const Data& data, std::string* out,
                         Location* where) {
  Flow flow = Flow::kNormal;
  return State(data, out, where).Walk(nodes, Value::Root(), &flow);
}

}  // namespace internal
}  // namespace vigie::gotemplate
