// Parsing templates: delimiters, trim markers and comments, then each action's tokens into
// pipelines and {{if}}, {{range}} and {{with}} blocks, checking variables as Go's parser does.
#include <algorithm>
#include <charconv>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "query/gotemplate/internal.h"
#include "query/logql/quote.h"

namespace vigie::gotemplate::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

enum class TokenKind {
  kField,     // .a.b
  kDot,       // .
  kVariable,  // $x or $
  kIdent,     // a function or keyword
  kLiteral,   // "s", `s`, 1, 1.5, 'c'
  kDeclare,   // :=
  kAssign,    // =
  kComma,
  kPipe,
  kLParen,
  kRParen,
  kEnd,  // }}
};

struct Token {
  TokenKind kind;
  size_t offset;
  std::string text;  // As written.
  Value literal;     // kLiteral.
};

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
      : full_(StrCat(source.preamble, source.text)),
        preamble_(source.preamble.size()),
        dialect_(dialect) {
    text_ = full_;
  }

  absl::StatusOr<std::vector<Node>> Run() {
    std::vector<Node> nodes;
    Ending ending;
    vars_ = {"$"};
    if (absl::Status s = List(0, &nodes, &ending); !s.ok()) return s;
    if (ending.kind != Ending::kEof) {
      return ErrorAt(ending.offset,
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

  // The "what is wrong" of Template::Parse, pointing at byte `offset` of the user's text.
  absl::Status ErrorAt(size_t offset, std::string_view message) const {
    std::string_view text = text_.substr(preamble_);
    offset = std::min(offset >= preamble_ ? offset - preamble_ : 0, text.size());
    std::string_view before = text.substr(0, offset);
    size_t line = 1 + std::count(before.begin(), before.end(), '\n');
    size_t line_start = before.rfind('\n');
    size_t col = 1 + offset - (line_start == std::string_view::npos ? 0 : line_start + 1);
    return absl::InvalidArgumentError(
        StrCat("template: line ", line, ", col ", col, ": ", message));
  }

  // Parses nodes up to the end of the text, {{end}} or {{else ...}}.
  absl::Status List(int depth, std::vector<Node>* nodes, Ending* ending) {
    if (depth > kMaxDepth) return ErrorAt(pos_, "blocks nested too deeply");
    ending->kind = Ending::kEof;
    while (pos_ < text_.size()) {
      size_t open = text_.find("{{", pos_);
      std::string_view literal =
          text_.substr(pos_, open == std::string_view::npos ? std::string_view::npos : open - pos_);
      if (trim_next_) {
        while (!literal.empty() && IsSpace(literal.front())) literal.remove_prefix(1);
        trim_next_ = false;
      }
      if (open == std::string_view::npos) {
        AppendText(literal, nodes);
        pos_ = text_.size();
        break;
      }
      pos_ = open + 2;
      if (pos_ + 1 < text_.size() && text_[pos_] == '-' && IsSpace(text_[pos_ + 1])) {
        while (!literal.empty() && IsSpace(literal.back())) literal.remove_suffix(1);
        pos_ += 2;
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

  // One {{ ... }} whose content starts at pos_; `open` is the offset of its "{{".
  absl::Status Action(int depth, size_t open, std::vector<Node>* nodes, Ending* ending) {
    SkipSpace();
    if (text_.substr(pos_, 2) == "/*") {
      size_t close = text_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) return ErrorAt(open, "unclosed comment");
      pos_ = close + 2;
      return CloseAction(open);
    }
    absl::StatusOr<std::vector<Token>> tokens = Tokens(open);
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
        return ErrorAt(first.offset, StrCat("{{", first.text, "}} outside {{range}}"));
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
      return ErrorAt(ending.kind == Ending::kEof ? open : ending.offset,
                     ending.kind == Ending::kEof ? StrCat(name, " without {{end}}")
                                                 : StrCat("a second {{else}} in the same ", name));
    }
    return absl::OkStatus();
  }

  // A pipeline that must fill the rest of the action, with up to `max_declare` variables
  // declared before it.
  absl::Status WholePipeline(int depth, std::string_view what, Pipeline* out, size_t max_declare) {
    if (tokens_[at_].kind == TokenKind::kEnd) {
      return ErrorAt(tokens_[at_].offset, StrCat("missing value for ", what));
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
      return ErrorAt(tokens_[at_].offset, StrCat("too many declarations in ", what));
    }
    out->assign = next == TokenKind::kAssign;
    for (size_t v = at_; v < i; v += 2) {
      if (out->assign) {
        if (absl::Status s = CheckDefined(tokens_[v]); !s.ok()) return s;
      } else if (tokens_[v].text == "$") {
        return ErrorAt(tokens_[v].offset, "cannot declare $, the variable of the data");
      }
    }
    out->declare = std::move(names);
    at_ = i + 1;
    if (tokens_[at_].kind == TokenKind::kEnd) {
      return ErrorAt(tokens_[at_].offset, StrCat("missing value for ", what));
    }
    return absl::OkStatus();
  }

  absl::Status CheckDefined(const Token& t) const {
    if (std::find(vars_.begin(), vars_.end(), t.text) == vars_.end()) {
      return ErrorAt(t.offset, StrCat("undefined variable \"", t.text, "\""));
    }
    return absl::OkStatus();
  }

  absl::Status ParsePipeline(int depth, Pipeline* out) {
    if (depth > kMaxDepth) return ErrorAt(tokens_[at_].offset, "nested too deeply");
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
        return ErrorAt(tokens_[at_].offset,
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
      return ErrorAt(t.offset, StrCat("{{", t.text, "}} is not supported (only ",
                                      dialect_.variables_and_loops ? "{{if}}, {{range}}, {{with}}"
                                                                   : "{{if}}/{{else}}",
                                      ")"));
    }
    static constexpr std::string_view kKeywords[] = {"if",   "else",  "end",     "range",
                                                     "with", "break", "continue"};
    if (std::find(std::begin(kKeywords), std::end(kKeywords), t.text) != std::end(kKeywords)) {
      return ErrorAt(t.offset, StrCat("unexpected '", t.text, "' in operand"));
    }
    if (t.text == "true" || t.text == "false") {
      op.kind = Operand::Kind::kLiteral;
      op.literal = Value::Bool(t.text == "true");
      op.source = t.text;
      return op;
    }
    if (t.text == "nil") {
      if (!dialect_.variables_and_loops) return ErrorAt(t.offset, "nil is not a command");
      op.kind = Operand::Kind::kNil;
      return op;
    }
    op.function = FindFunction(dialect_, t.text);
    if (op.function == nullptr) {
      return ErrorAt(t.offset, StrCat("function \"", t.text, "\" not defined"));
    }
    op.kind = Operand::Kind::kFunction;
    op.source = t.text;
    return op;
  }

  absl::Status Unexpected(const Token& t, std::string_view where) const {
    if (t.kind == TokenKind::kEnd) return ErrorAt(t.offset, StrCat("unexpected }} ", where));
    return ErrorAt(t.offset, StrCat("unexpected \"", t.text, "\" ", where));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  // Consumes " -}}" or "}}" after a comment.
  absl::Status CloseAction(size_t open) {
    SkipSpace();
    if (text_.substr(pos_, 3) == "-}}" && pos_ > 0 && IsSpace(text_[pos_ - 1])) {
      trim_next_ = true;
      pos_ += 3;
      return absl::OkStatus();
    }
    if (text_.substr(pos_, 2) == "}}") {
      pos_ += 2;
      return absl::OkStatus();
    }
    return ErrorAt(open, "comment ends before the closing }}");
  }

  // The tokens of the action whose content starts at pos_, ending with kEnd at its "}}".
  absl::StatusOr<std::vector<Token>> Tokens(size_t open) {
    std::vector<Token> tokens;
    auto add = [&](TokenKind kind, size_t start, Value literal = {}) {
      tokens.push_back(
          {kind, start, std::string(text_.substr(start, pos_ - start)), std::move(literal)});
    };
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) return ErrorAt(open, "unclosed action (missing }})");
      const size_t start = pos_;
      const char c = text_[pos_];
      if (text_.substr(pos_, 2) == "}}" ||
          (text_.substr(pos_, 3) == "-}}" && pos_ > 0 && IsSpace(text_[pos_ - 1]))) {
        trim_next_ = c == '-';
        pos_ += c == '-' ? 3 : 2;
        add(TokenKind::kEnd, start);
        return tokens;
      }
      if (c == '|' || c == '(' || c == ')' || c == ',' || c == '=') {
        ++pos_;
        add(c == '|'   ? TokenKind::kPipe
            : c == '(' ? TokenKind::kLParen
            : c == ')' ? TokenKind::kRParen
            : c == ',' ? TokenKind::kComma
                       : TokenKind::kAssign,
            start);
      } else if (text_.substr(pos_, 2) == ":=") {
        pos_ += 2;
        add(TokenKind::kDeclare, start);
      } else if (c == '"' || c == '`') {
        size_t length = 0;
        absl::StatusOr<std::string> s = logql::Unquote(text_.substr(pos_), &length);
        if (!s.ok()) return ErrorAt(pos_ + length, std::string(s.status().message()));
        pos_ += length;
        add(TokenKind::kLiteral, start, Value::String(*std::move(s)));
      } else if (c == '.' && !(pos_ + 1 < text_.size() && absl::ascii_isdigit(text_[pos_ + 1]))) {
        ++pos_;
        while (pos_ < text_.size() &&
               (IsWordChar(text_[pos_]) ||
                (text_[pos_] == '.' && pos_ + 1 < text_.size() && IsWordChar(text_[pos_ + 1])))) {
          ++pos_;
        }
        add(pos_ - start == 1 ? TokenKind::kDot : TokenKind::kField, start);
      } else if (absl::ascii_isdigit(c) || c == '.' || c == '-' || c == '+') {
        absl::StatusOr<Value> number = Number();
        if (!number.ok()) return number.status();
        add(TokenKind::kLiteral, start, *std::move(number));
      } else if (c == '\'') {
        size_t close = text_.find('\'', pos_ + 1);
        if (close != pos_ + 2) {
          return ErrorAt(pos_, "only one-byte character constants such as 'a' are supported");
        }
        pos_ += 3;
        add(TokenKind::kLiteral, start, Value::Int(text_[start + 1]));
      } else if (c == '$') {
        ++pos_;
        while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
        if (!dialect_.variables_and_loops) {
          return ErrorAt(start, StrCat("template variables such as ",
                                       text_.substr(start, pos_ - start), " are not supported"));
        }
        add(TokenKind::kVariable, start);
      } else if (IsWordChar(c)) {
        ++pos_;
        while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
        add(TokenKind::kIdent, start);
      } else {
        return ErrorAt(pos_,
                       StrCat("unexpected character \"", text_.substr(pos_, 1), "\" in action"));
      }
    }
  }

  // A number at pos_: [+-] then decimal digits with an optional fraction and exponent, or 0x hex.
  absl::StatusOr<Value> Number() {
    const size_t start = pos_;
    if (text_[pos_] == '+' || text_[pos_] == '-') ++pos_;
    bool is_float = false;
    int base = 10;
    if (text_.substr(pos_, 2) == "0x" || text_.substr(pos_, 2) == "0X") {
      base = 16;
      pos_ += 2;
      while (pos_ < text_.size() && absl::ascii_isxdigit(text_[pos_])) ++pos_;
    } else {
      while (pos_ < text_.size() && (absl::ascii_isdigit(text_[pos_]) || text_[pos_] == '.' ||
                                     text_[pos_] == 'e' || text_[pos_] == 'E' ||
                                     ((text_[pos_] == '+' || text_[pos_] == '-') &&
                                      (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
        is_float = is_float || !absl::ascii_isdigit(text_[pos_]);
        ++pos_;
      }
    }
    std::string_view all = text_.substr(start, pos_ - start);
    std::string_view digits = all.substr(all[0] == '+' || all[0] == '-' ? 1 : 0);
    if (base == 16) digits.remove_prefix(2);
    const char* end = digits.data() + digits.size();
    if (!digits.empty() && !(pos_ < text_.size() && IsWordChar(text_[pos_]))) {
      if (is_float) {
        double f = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), end, f);
        if (ec == std::errc() && ptr == end) return Value::Float(all[0] == '-' ? -f : f);
      } else {
        uint64_t u = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), end, u, base);
        if (ec == std::errc() && ptr == end && u <= uint64_t{INT64_MAX}) {
          int64_t v = static_cast<int64_t>(u);
          return Value::Int(all[0] == '-' ? -v : v);
        }
      }
    }
    return ErrorAt(start, StrCat("bad number syntax: \"", all, "\""));
  }

  std::string full_;
  std::string_view text_;  // full_: the preamble, then the user's text.
  size_t preamble_;
  const Dialect& dialect_;
  size_t pos_ = 0;
  bool trim_next_ = false;         // The last action ended with " -}}".
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
