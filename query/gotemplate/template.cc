#include "query/gotemplate/template.h"

#include <algorithm>

#include "common/strings.h"
#include "query/gotemplate/internal.h"

namespace vigie::gotemplate {
namespace {

using internal::Command;
using internal::Node;
using internal::Operand;
using internal::Pipeline;

void CollectReads(const Pipeline& pipeline, Template::Reads* reads);

void CollectReads(const std::vector<Node>& nodes, Template::Reads* reads) {
  for (const Node& node : nodes) {
    if (node.kind == Node::Kind::kText) continue;
    CollectReads(node.pipeline, reads);
    CollectReads(node.then, reads);
    CollectReads(node.otherwise, reads);
    // Inside {{range}} and {{with}} the dot is something else: what it reads is not the data's.
    if (node.kind == Node::Kind::kRange || node.kind == Node::Kind::kWith) reads->whole = true;
  }
}

void CollectReads(const Pipeline& pipeline, Template::Reads* reads) {
  for (const Command& command : pipeline.commands) {
    for (const Operand& op : command.operands) {
      switch (op.kind) {
        case Operand::Kind::kField:
          reads->fields.push_back(op.path[0]);
          break;
        case Operand::Kind::kDot:
        case Operand::Kind::kVariable:
          reads->whole = true;
          break;
        case Operand::Kind::kPipeline:
          CollectReads(*op.pipeline, reads);
          break;
        case Operand::Kind::kFunction:
          reads->functions.emplace_back(op.function->name);
          break;
        default:
          break;
      }
    }
  }
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Go's ErrorContext: "NAME:LINE:COL" with COL the byte offset in its line, counted from 0.
std::string GoLocation(std::string_view name, std::string_view text, size_t offset) {
  std::string_view before = text.substr(0, std::min(offset, text.size()));
  size_t newline = before.rfind('\n');
  size_t col = newline == std::string_view::npos ? before.size() : before.size() - newline - 1;
  return StrCat(name, ":", 1 + std::count(before.begin(), before.end(), '\n'), ":", col);
}

std::string GoContext(const internal::Location& where) {
  std::string context = where.operand    ? internal::Describe(*where.operand)
                        : where.command  ? internal::Describe(*where.command)
                        : where.pipeline ? internal::Describe(*where.pipeline)
                                         : std::string();
  if (context.size() > 20) {  // Go prints "%.20s...": 20 runes.
    size_t runes = 0, i = 0;
    for (; i < context.size(); ++i) {
      if ((static_cast<unsigned char>(context[i]) & 0xC0) != 0x80 && runes++ == 20) break;
    }
    context = StrCat(context.substr(0, i), "...");
  }
  return context;
}

}  // namespace

Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

absl::StatusOr<Template> Template::Parse(const Source& source, const Dialect& dialect) {
  absl::StatusOr<std::vector<Node>> nodes = internal::ParseNodes(source, dialect);
  if (!nodes.ok()) return nodes.status();
  Template t;
  t.text_ = std::string(source.text);
  t.full_text_ = StrCat(source.preamble, source.text);
  t.name_ = std::string(source.name);
  t.nodes_ = std::make_unique<std::vector<Node>>(*std::move(nodes));
  CollectReads(*t.nodes_, &t.reads_);
  SortUnique(&t.reads_.fields);
  SortUnique(&t.reads_.functions);
  const std::vector<Node>& n = *t.nodes_;
  if (n.size() == 1 && n[0].kind == Node::Kind::kAction && n[0].pipeline.declare.empty() &&
      n[0].pipeline.commands.size() == 1 && n[0].pipeline.commands[0].operands.size() == 1) {
    const Operand& op = n[0].pipeline.commands[0].operands[0];
    if (op.kind == Operand::Kind::kField && op.path.size() == 1) t.simple_field_ = op.path[0];
  }
  return t;
}

absl::Status Template::Render(const Data& data, std::string* out) const {
  out->clear();
  internal::Location where;
  absl::Status s = internal::RenderNodes(*nodes_, data, out, &where);
  if (s.ok() || name_.empty()) return s;
  if (where.operand == nullptr && where.command == nullptr && where.pipeline == nullptr) {
    return absl::InvalidArgumentError(StrCat("template: ", name_, ": ", s.message()));
  }
  return absl::InvalidArgumentError(
      StrCat("template: ", GoLocation(name_, full_text_, where.offset), ": executing \"", name_,
             "\" at <", GoContext(where), ">: ", s.message()));
}

}  // namespace vigie::gotemplate
