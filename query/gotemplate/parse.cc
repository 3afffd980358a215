// Parsing templates: delimiters, trim markers and comments, then each action's tokens into
// pipelines and {{if}}, {{range}} and {{with}} blocks, checking variables as Go's parser does.
#include <algorithm>

#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "query/gotemplate/internal.h"
#include "query/gotemplate/lex.h"

namespace vigie::gotemplate::internal {
namespace {

Node MakeNode(Node::Kind kind, size_t offset) {
  Node node;
  node.kind = kind;
  node.offset = offset;
  return node;
}

const Function* FindFunction(const Dialect& dialect, std::string_view name) {
  for (std::span<const Function> table : dialect.functions) {
    for (const Function& f : table) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

class NodeParser {
 public:
  NodeParser(const Source& source, const Dialect& dialect)
      : lex_(StrCat(source.preamble, source.text), source.preamble.size(),
             dialect.variables_and_loops),
        text_(lex_.text()),
        dialect_(dialect) {}

  absl::StatusOr<std::vector<Node>> Run() {
    std::vector<Node> nodes;
    Ending ending;
    vars_ = {"$"};
    if (absl::Status s = List(0, &nodes, &ending); !s.ok()) return s;
    if (ending.kind != Ending::kEof) {
      return lex_.ErrorAt(ending.offset,
                          StrCat("unexpected {{", ending.kind == Ending::kEnd ? "end" : "else",
                                 "}} without a matching ", Blocks()));
    }
    return nodes;
  }

 private:
  struct Ending {
    enum Kind { kEof, kEnd, kElse, kElseIf } kind = kEof;
    size_t offset = 0;
    Node::Kind block = Node::Kind::kIf;  // kElseIf: {{else if}} or {{else with}}.
    Pipeline condition;                  // kElseIf.
  };

  std::string_view Blocks() const {
    return dialect_.variables_and_loops ? "{{if}}, {{range}} or {{with}}" : "{{if}}";
  }

  // Parses nodes up to the end of the text, {{end}} or {{else ...}}.
  absl::Status List(int depth, std::vector<Node>* nodes, Ending* ending) {
    if (depth > kMaxDepth) return lex_.ErrorAt(lex_.pos, "blocks nested too deeply");
    ending->kind = Ending::kEof;
    while (lex_.pos < text_.size()) {
      size_t open = text_.find("{{", lex_.pos);
      std::string_view literal = text_.substr(
          lex_.pos, open == std::string_view::npos ? std::string_view::npos : open - lex_.pos);
      if (lex_.trim_next) {
        while (!literal.empty() && IsSpace(literal.front())) literal.remove_prefix(1);
        lex_.trim_next = false;
      }
      if (open == std::string_view::npos) {
        AppendText(literal, nodes);
        lex_.pos = text_.size();
        break;
      }
      lex_.pos = open + 2;
      if (lex_.pos + 1 < text_.size() && text_[lex_.pos] == '-' && IsSpace(text_[lex_.pos + 1])) {
        while (!literal.empty() && IsSpace(literal.back())) literal.remove_suffix(1);
        lex_.pos += 2;
      }
      AppendText(literal, nodes);
      if (absl::Status s = Action(depth, open, nodes, ending); !s.ok()) return s;
      if (ending->kind != Ending::kEof) return absl::OkStatus();
    }
    ending->kind = Ending::kEof;
    ending->offset = text_.size();
    return absl::OkStatus();
  }

  static void AppendText(std::string_view literal, std::vector<Node>* nodes) {
    if (literal.empty()) return;
    if (nodes->empty() || nodes->back().kind != Node::Kind::kText) {
      nodes->push_back(MakeNode(Node::Kind::kText, 0));
    }
    nodes->back().text += literal;
  }

  bool IsKeyword(const Token& t, std::string_view word) const {
    return t.kind == TokenKind::kIdent && t.text == word;
  }

  // One {{ ... }} whose content starts at lex_.pos; `open` is the offset of its "{{".
  absl::Status Action(int depth, size_t open, std::vector<Node>* nodes, Ending* ending) {
    lex_.SkipSpace();
    if (text_.substr(lex_.pos, 2) == "/*") {
      size_t close = text_.find("*/", lex_.pos + 2);
      if (close == std::string_view::npos) return lex_.ErrorAt(open, "unclosed comment");
      lex_.pos = close + 2;
      return lex_.CloseComment(open);
    }
    absl::StatusOr<std::vector<Token>> tokens = lex_.Tokens(open);
    if (!tokens.ok()) return tokens.status();
    tokens_ = *std::move(tokens);
    at_ = 0;
    const Token& first = tokens_[0];
    if (IsKeyword(first, "end")) {
      if (tokens_[1].kind != TokenKind::kEnd) return Unexpected(tokens_[1], "in {{end}}");
      ending->kind = Ending::kEnd;
      ending->offset = open;
      return absl::OkStatus();
    }
    if (IsKeyword(first, "else")) {
      ending->offset = open;
      if (tokens_[1].kind == TokenKind::kEnd) {
        ending->kind = Ending::kElse;
        return absl::OkStatus();
      }
      const bool is_with = IsKeyword(tokens_[1], "with") && dialect_.variables_and_loops;
      if (!IsKeyword(tokens_[1], "if") && !is_with) {
        return Unexpected(tokens_[1], "after {{else}} (only {{else if ...}} is supported)");
      }
      at_ = 2;
      ending->kind = Ending::kElseIf;
      ending->block = is_with ? Node::Kind::kWith : Node::Kind::kIf;
      return WholePipeline(depth, is_with ? "with" : "if", &ending->condition, 1);
    }
    for (auto [word, kind] :
         {std::pair{"if", Node::Kind::kIf}, std::pair{"range", Node::Kind::kRange},
          std::pair{"with", Node::Kind::kWith}}) {
      if (!IsKeyword(first, word) || (kind != Node::Kind::kIf && !dialect_.variables_and_loops)) {
        continue;
      }
      at_ = 1;
      Node node = MakeNode(kind, open);
      const size_t mark = vars_.size();
      if (absl::Status s =
              WholePipeline(depth, word, &node.pipeline, kind == Node::Kind::kRange ? 2 : 1);
          !s.ok()) {
        return s;
      }
      if (kind == Node::Kind::kRange) ++loops_;
      absl::Status s = BlockBody(depth, open, mark, &node);
      if (kind == Node::Kind::kRange) --loops_;
      if (!s.ok()) return s;
      nodes->push_back(std::move(node));
      return absl::OkStatus();
    }
    if ((IsKeyword(first, "break") || IsKeyword(first, "continue")) &&
        dialect_.variables_and_loops) {
      if (loops_ == 0)
        return lex_.ErrorAt(first.offset, StrCat("{{", first.text, "}} outside {{range}}"));
      if (tokens_[1].kind != TokenKind::kEnd) return Unexpected(tokens_[1], "in action");
      nodes->push_back(MakeNode(first.text == "break" ? Node::Kind::kBreak : Node::Kind::kContinue,
                                first.offset));
      return absl::OkStatus();
    }
    Node node = MakeNode(Node::Kind::kAction, open);
    if (absl::Status s = WholePipeline(depth, "command", &node.pipeline, 1); !s.ok()) return s;
    nodes->push_back(std::move(node));
    return absl::OkStatus();
  }

  // The branches of a block whose pipeline is parsed, up to its {{end}}; then the variables
  // declared since `mark` go out of scope.
  absl::Status BlockBody(int depth, size_t open, size_t mark, Node* node) {
    std::string_view name = node->kind == Node::Kind::kIf      ? "{{if}}"
                            : node->kind == Node::Kind::kRange ? "{{range}}"
                                                               : "{{with}}";
    Ending ending;
    const size_t body_mark = vars_.size();
    absl::Status s = List(depth + 1, &node->then, &ending);
    // The branch's variables end with it; those of an {{else if $x := ...}} begin there.
    vars_.resize(body_mark);
    if (!s.ok()) return s;
    if (ending.kind == Ending::kElseIf) {
      Node inner = MakeNode(ending.block, ending.offset);
      inner.pipeline = std::move(ending.condition);
      if (!inner.pipeline.assign) {
        vars_.insert(vars_.end(), inner.pipeline.declare.begin(), inner.pipeline.declare.end());
      }
      s = BlockBody(depth + 1, ending.offset, body_mark, &inner);
      vars_.resize(mark);
      if (!s.ok()) return s;
      node->otherwise.push_back(std::move(inner));
      return absl::OkStatus();
    }
    if (ending.kind == Ending::kElse) {
      s = List(depth + 1, &node->otherwise, &ending);
      if (!s.ok()) return s;
    }
    vars_.resize(mark);
    if (ending.kind != Ending::kEnd) {
      return lex_.ErrorAt(ending.kind == Ending::kEof ? open : ending.offset,
                          ending.kind == Ending::kEof
                              ? StrCat(name, " without {{end}}")
                              : StrCat("a second {{else}} in the same ", name));
    }
    return absl::OkStatus();
  }

  // A pipeline that must fill the rest of the action, with up to `max_declare` variables
  // declared before it.
  absl::Status WholePipeline(int depth, std::string_view what, Pipeline* out, size_t max_declare) {
    if (tokens_[at_].kind == TokenKind::kEnd) {
      return lex_.ErrorAt(tokens_[at_].offset, StrCat("missing value for ", what));
    }
    out->offset = tokens_[at_].offset;
    if (absl::Status s = Declarations(what, max_declare, out); !s.ok()) return s;
    if (absl::Status s = ParsePipeline(depth, out); !s.ok()) return s;
    if (tokens_[at_].kind != TokenKind::kEnd) return Unexpected(tokens_[at_], "in action");
    if (!out->assign) vars_.insert(vars_.end(), out->declare.begin(), out->declare.end());
    return absl::OkStatus();
  }

  // "$x :=", "$x =", "$i, $e :=" at the start of a pipeline.
  absl::Status Declarations(std::string_view what, size_t max_declare, Pipeline* out) {
    size_t i = at_;
    std::vector<std::string> names;
    while (tokens_[i].kind == TokenKind::kVariable) {
      names.push_back(tokens_[i].text);
      ++i;
      if (tokens_[i].kind != TokenKind::kComma) break;
      ++i;
    }
    const TokenKind next = tokens_[i].kind;
    if (names.empty() || (next != TokenKind::kDeclare && next != TokenKind::kAssign)) {
      return absl::OkStatus();
    }
    if (names.size() > max_declare) {
      return lex_.ErrorAt(tokens_[at_].offset, StrCat("too many declarations in ", what));
    }
    out->assign = next == TokenKind::kAssign;
    for (size_t v = at_; v < i; v += 2) {
      if (out->assign) {
        if (absl::Status s = CheckDefined(tokens_[v]); !s.ok()) return s;
      } else if (tokens_[v].text == "$") {
        return lex_.ErrorAt(tokens_[v].offset, "cannot declare $, the variable of the data");
      }
    }
    out->declare = std::move(names);
    at_ = i + 1;
    if (tokens_[at_].kind == TokenKind::kEnd) {
      return lex_.ErrorAt(tokens_[at_].offset, StrCat("missing value for ", what));
    }
    return absl::OkStatus();
  }

  absl::Status CheckDefined(const Token& t) const {
    if (std::find(vars_.begin(), vars_.end(), t.text) == vars_.end()) {
      return lex_.ErrorAt(t.offset, StrCat("undefined variable \"", t.text, "\""));
    }
    return absl::OkStatus();
  }

  absl::Status ParsePipeline(int depth, Pipeline* out) {
    if (depth > kMaxDepth) return lex_.ErrorAt(tokens_[at_].offset, "nested too deeply");
    while (true) {
      Command command;
      command.offset = tokens_[at_].offset;
      while (true) {
        const Token& t = tokens_[at_];
        if (t.kind == TokenKind::kPipe || t.kind == TokenKind::kRParen ||
            t.kind == TokenKind::kEnd) {
          break;
        }
        absl::StatusOr<Operand> operand = ParseOperand(depth);
        if (!operand.ok()) return operand.status();
        command.operands.push_back(*std::move(operand));
      }
      if (command.operands.empty()) {
        return lex_.ErrorAt(tokens_[at_].offset,
                            out->commands.empty() ? "missing value for command" : "empty command");
      }
      out->commands.push_back(std::move(command));
      if (tokens_[at_].kind != TokenKind::kPipe) return absl::OkStatus();
      ++at_;
    }
  }

  // A field chain right after a variable or ')' (no space between): $x.a.b, (p).a.
  void Chain(size_t end_of_previous, Operand* op) {
    const Token& t = tokens_[at_];
    if (t.kind == TokenKind::kField && t.offset == end_of_previous) {
      op->path = absl::StrSplit(t.text.substr(1), '.');
      ++at_;
    }
  }

  absl::StatusOr<Operand> ParseOperand(int depth) {
    const Token& t = tokens_[at_++];
    Operand op;
    op.offset = t.offset;
    switch (t.kind) {
      case TokenKind::kField:
        op.kind = Operand::Kind::kField;
        op.path = absl::StrSplit(t.text.substr(1), '.');
        return op;
      case TokenKind::kDot:
        op.kind = Operand::Kind::kDot;
        return op;
      case TokenKind::kVariable:
        if (absl::Status s = CheckDefined(t); !s.ok()) return s;
        op.kind = Operand::Kind::kVariable;
        op.source = t.text;
        Chain(t.offset + t.text.size(), &op);
        return op;
      case TokenKind::kLiteral:
        op.kind = Operand::Kind::kLiteral;
        op.literal = t.literal;
        op.source = t.text;
        return op;
      case TokenKind::kLParen: {
        op.kind = Operand::Kind::kPipeline;
        op.pipeline = std::make_unique<Pipeline>();
        op.pipeline->offset = tokens_[at_].offset;
        if (absl::Status s = ParsePipeline(depth + 1, op.pipeline.get()); !s.ok()) return s;
        if (tokens_[at_].kind != TokenKind::kRParen) {
          return Unexpected(tokens_[at_], "in parenthesized pipeline (missing ')')");
        }
        ++at_;
        Chain(tokens_[at_ - 1].offset + 1, &op);
        return op;
      }
      case TokenKind::kIdent:
        return Identifier(t, std::move(op));
      default:
        return Unexpected(t, "in operand");
    }
  }

  absl::StatusOr<Operand> Identifier(const Token& t, Operand op) {
    static constexpr std::string_view kUnsupported[] = {"define", "template", "block"};
    static constexpr std::string_view kLoops[] = {"range", "with", "break", "continue"};
    const bool unsupported = std::find(std::begin(kUnsupported), std::end(kUnsupported), t.text) !=
                             std::end(kUnsupported);
    if (unsupported ||
        (!dialect_.variables_and_loops &&
         std::find(std::begin(kLoops), std::end(kLoops), t.text) != std::end(kLoops))) {
      return lex_.ErrorAt(
          t.offset,
          StrCat("{{", t.text, "}} is not supported (only ",
                 dialect_.variables_and_loops ? "{{if}}, {{range}}, {{with}}" : "{{if}}/{{else}}",
                 ")"));
    }
    static constexpr std::string_view kKeywords[] = {"if",   "else",  "end",     "range",
                                                     "with", "break", "continue"};
    if (std::find(std::begin(kKeywords), std::end(kKeywords), t.text) != std::end(kKeywords)) {
      return lex_.ErrorAt(t.offset, StrCat("unexpected '", t.text, "' in operand"));
    }
    if (t.text == "true" || t.text == "false") {
      op.kind = Operand::Kind::kLiteral;
      op.literal = Value::Bool(t.text == "true");
      op.source = t.text;
      return op;
    }
    if (t.text == "nil") {
      if (!dialect_.variables_and_loops) return lex_.ErrorAt(t.offset, "nil is not a command");
      op.kind = Operand::Kind::kNil;
      return op;
    }
    op.function = FindFunction(dialect_, t.text);
    if (op.function == nullptr) {
      return lex_.ErrorAt(t.offset, StrCat("function \"", t.text, "\" not defined"));
    }
    op.kind = Operand::Kind::kFunction;
    op.source = t.text;
    return op;
  }

  absl::Status Unexpected(const Token& t, std::string_view where) const {
    if (t.kind == TokenKind::kEnd) return lex_.ErrorAt(t.offset, StrCat("unexpected }} ", where));
    return lex_.ErrorAt(t.offset, StrCat("unexpected \"", t.text, "\" ", where));
  }

  Lexer lex_;
  std::string_view text_;  // lex_'s: the preamble, then the user's text.
  const Dialect& dialect_;
  std::vector<Token> tokens_;      // Of the current action.
  size_t at_ = 0;                  // The next of tokens_.
  std::vector<std::string> vars_;  // The variables in scope, innermost last.
  int loops_ = 0;                  // {{range}} blocks around the current action.
};

}  // namespace

absl::StatusOr<std::vector<Node>> ParseNodes(const Source& source, const Dialect& dialect) {
  return NodeParser(source, dialect).Run();
}

}  // namespace vigie::gotemplate::internal
