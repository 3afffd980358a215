// Parsing templates: delimiters, trim markers and comments, then each action's tokens into
// pipelines and {{if}} blocks.
#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "query/logql/quote.h"
#include "query/logql/template_internal.h"

namespace vigie::logql::tmpl {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

enum class TokenKind { kField, kDot, kIdent, kLiteral, kPipe, kLParen, kRParen, kEnd };

struct Token {
  TokenKind kind;
  size_t offset;
  std::string text;  // kField: ".a.b"; kIdent, kVariable: the word.
  Value literal;     // kLiteral.
};

// The "what is wrong" of Template::Parse, pointing at byte `offset` of the template.
absl::Status ErrorAt(std::string_view text, size_t offset, std::string_view message) {
  offset = std::min(offset, text.size());
  std::string_view before = text.substr(0, offset);
  size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  size_t line_start = before.rfind('\n');
  size_t col = 1 + offset - (line_start == std::string_view::npos ? 0 : line_start + 1);
  return absl::InvalidArgumentError(StrCat("template: line ", line, ", col ", col, ": ", message));
}

class NodeParser {
 public:
  explicit NodeParser(std::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<Node>> Run() {
    std::vector<Node> nodes;
    Ending ending;
    if (absl::Status s = List(0, &nodes, &ending); !s.ok()) return s;
    if (ending.kind != Ending::kEof) {
      return ErrorAt(text_, ending.offset,
                     StrCat("unexpected {{", ending.kind == Ending::kEnd ? "end" : "else",
                            "}} without a matching {{if}}"));
    }
    return nodes;
  }

 private:
  struct Ending {
    enum Kind { kEof, kEnd, kElse, kElseIf } kind = kEof;
    size_t offset = 0;
    Pipeline condition;  // kElseIf.
  };

  // Parses nodes up to the end of the text, {{end}} or {{else ...}}.
  absl::Status List(int depth, std::vector<Node>* nodes, Ending* ending) {
    if (depth > kMaxDepth) return ErrorAt(text_, pos_, "{{if}} nested too deeply");
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
      nodes->push_back({Node::Kind::kText});
    }
    nodes->back().text += literal;
  }

  // One {{ ... }} whose content starts at pos_; `open` is the offset of its "{{".
  absl::Status Action(int depth, size_t open, std::vector<Node>* nodes, Ending* ending) {
    SkipSpace();
    if (text_.substr(pos_, 2) == "/*") {
      size_t close = text_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) return ErrorAt(text_, open, "unclosed comment");
      pos_ = close + 2;
      return CloseAction(open);
    }
    absl::StatusOr<std::vector<Token>> tokens = Tokens(open);
    if (!tokens.ok()) return tokens.status();
    tokens_ = *std::move(tokens);
    at_ = 0;
    const Token& first = tokens_[0];
    if (first.kind == TokenKind::kIdent && first.text == "end") {
      if (tokens_[1].kind != TokenKind::kEnd) return Unexpected(tokens_[1], "in {{end}}");
      ending->kind = Ending::kEnd;
      ending->offset = open;
      return absl::OkStatus();
    }
    if (first.kind == TokenKind::kIdent && first.text == "else") {
      ending->offset = open;
      if (tokens_[1].kind == TokenKind::kEnd) {
        ending->kind = Ending::kElse;
        return absl::OkStatus();
      }
      if (tokens_[1].kind != TokenKind::kIdent || tokens_[1].text != "if") {
        return Unexpected(tokens_[1], "after {{else}} (only {{else if ...}} is supported)");
      }
      at_ = 2;
      ending->kind = Ending::kElseIf;
      return WholePipeline(depth, "if", &ending->condition);
    }
    if (first.kind == TokenKind::kIdent && first.text == "if") {
      at_ = 1;
      Node node{Node::Kind::kIf};
      if (absl::Status s = WholePipeline(depth, "if", &node.pipeline); !s.ok()) return s;
      if (absl::Status s = IfBody(depth, open, &node); !s.ok()) return s;
      nodes->push_back(std::move(node));
      return absl::OkStatus();
    }
    Node node{Node::Kind::kAction};
    if (absl::Status s = WholePipeline(depth, "command", &node.pipeline); !s.ok()) return s;
    nodes->push_back(std::move(node));
    return absl::OkStatus();
  }

  // The branches of an {{if}} whose condition is parsed, up to its {{end}}.
  absl::Status IfBody(int depth, size_t open, Node* node) {
    Ending ending;
    if (absl::Status s = List(depth + 1, &node->then, &ending); !s.ok()) return s;
    if (ending.kind == Ending::kElseIf) {
      Node inner{Node::Kind::kIf};
      inner.pipeline = std::move(ending.condition);
      if (absl::Status s = IfBody(depth + 1, ending.offset, &inner); !s.ok()) return s;
      node->otherwise.push_back(std::move(inner));
      return absl::OkStatus();
    }
    if (ending.kind == Ending::kElse) {
      if (absl::Status s = List(depth + 1, &node->otherwise, &ending); !s.ok()) return s;
    }
    if (ending.kind != Ending::kEnd) {
      return ErrorAt(text_, ending.kind == Ending::kEof ? open : ending.offset,
                     ending.kind == Ending::kEof ? "{{if}} without {{end}}"
                                                 : "a second {{else}} in the same {{if}}");
    }
    return absl::OkStatus();
  }

  // A pipeline that must fill the rest of the action.
  absl::Status WholePipeline(int depth, std::string_view what, Pipeline* out) {
    if (tokens_[at_].kind == TokenKind::kEnd) {
      return ErrorAt(text_, tokens_[at_].offset, StrCat("missing value for ", what));
    }
    if (absl::Status s = ParsePipeline(depth, out); !s.ok()) return s;
    if (tokens_[at_].kind != TokenKind::kEnd) return Unexpected(tokens_[at_], "in action");
    return absl::OkStatus();
  }

  absl::Status ParsePipeline(int depth, Pipeline* out) {
    if (depth > kMaxDepth) return ErrorAt(text_, tokens_[at_].offset, "nested too deeply");
    while (true) {
      Command command;
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
        return ErrorAt(text_, tokens_[at_].offset,
                       out->commands.empty() ? "missing value for command" : "empty command");
      }
      out->commands.push_back(std::move(command));
      if (tokens_[at_].kind != TokenKind::kPipe) return absl::OkStatus();
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
      case TokenKind::kLiteral:
        op.kind = Operand::Kind::kLiteral;
        op.literal = t.literal;
        return op;
      case TokenKind::kLParen: {
        op.kind = Operand::Kind::kPipeline;
        op.pipeline = std::make_unique<Pipeline>();
        if (absl::Status s = ParsePipeline(depth + 1, op.pipeline.get()); !s.ok()) return s;
        if (tokens_[at_].kind != TokenKind::kRParen) {
          return Unexpected(tokens_[at_], "in parenthesized pipeline (missing ')')");
        }
        ++at_;
        return op;
      }
      case TokenKind::kIdent:
        return Identifier(t, std::move(op));
      default:
        return Unexpected(t, "in operand");
    }
  }

  absl::StatusOr<Operand> Identifier(const Token& t, Operand op) {
    static constexpr std::string_view kUnsupported[] = {"range", "with",  "define",  "template",
                                                        "block", "break", "continue"};
    if (std::find(std::begin(kUnsupported), std::end(kUnsupported), t.text) !=
        std::end(kUnsupported)) {
      return ErrorAt(text_, t.offset,
                     StrCat("{{", t.text, "}} is not supported (only {{if}}/{{else}})"));
    }
    if (t.text == "if" || t.text == "else" || t.text == "end") {
      return ErrorAt(text_, t.offset, StrCat("unexpected '", t.text, "' in operand"));
    }
    if (t.text == "true" || t.text == "false") {
      op.kind = Operand::Kind::kLiteral;
      op.literal = Value::Bool(t.text == "true");
      return op;
    }
    if (t.text == "nil") return ErrorAt(text_, t.offset, "nil is not a command");
    op.function = FindFunction(t.text);
    if (op.function == nullptr) {
      return ErrorAt(text_, t.offset, StrCat("function \"", t.text, "\" not defined"));
    }
    op.kind = Operand::Kind::kFunction;
    return op;
  }

  absl::Status Unexpected(const Token& t, std::string_view where) const {
    if (t.kind == TokenKind::kEnd) return ErrorAt(text_, t.offset, StrCat("unexpected }} ", where));
    std::string_view shown = t.kind == TokenKind::kPipe     ? "|"
                             : t.kind == TokenKind::kLParen ? "("
                             : t.kind == TokenKind::kRParen ? ")"
                                                            : std::string_view(t.text);
    return ErrorAt(text_, t.offset, StrCat("unexpected \"", shown, "\" ", where));
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
    return ErrorAt(text_, open, "comment ends before the closing }}");
  }

  // The tokens of the action whose content starts at pos_, ending with kEnd at its "}}".
  absl::StatusOr<std::vector<Token>> Tokens(size_t open) {
    std::vector<Token> tokens;
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) return ErrorAt(text_, open, "unclosed action (missing }})");
      const size_t start = pos_;
      const char c = text_[pos_];
      if (text_.substr(pos_, 2) == "}}" ||
          (text_.substr(pos_, 3) == "-}}" && pos_ > 0 && IsSpace(text_[pos_ - 1]))) {
        trim_next_ = c == '-';
        pos_ += c == '-' ? 3 : 2;
        tokens.push_back({TokenKind::kEnd, start});
        return tokens;
      }
      if (c == '|' || c == '(' || c == ')') {
        ++pos_;
        tokens.push_back({c == '|'   ? TokenKind::kPipe
                          : c == '(' ? TokenKind::kLParen
                                     : TokenKind::kRParen,
                          start});
      } else if (c == '"' || c == '`') {
        size_t length = 0;
        absl::StatusOr<std::string> s = Unquote(text_.substr(pos_), &length);
        if (!s.ok()) return ErrorAt(text_, pos_ + length, std::string(s.status().message()));
        pos_ += length;
        tokens.push_back({TokenKind::kLiteral, start, "", Value::String(*std::move(s))});
      } else if (c == '.' && !(pos_ + 1 < text_.size() && absl::ascii_isdigit(text_[pos_ + 1]))) {
        ++pos_;
        while (pos_ < text_.size() &&
               (IsWordChar(text_[pos_]) ||
                (text_[pos_] == '.' && pos_ + 1 < text_.size() && IsWordChar(text_[pos_ + 1])))) {
          ++pos_;
        }
        std::string word(text_.substr(start, pos_ - start));
        tokens.push_back({word == "." ? TokenKind::kDot : TokenKind::kField, start, word});
      } else if (absl::ascii_isdigit(c) || c == '.' || c == '-' || c == '+') {
        absl::StatusOr<Value> number = Number();
        if (!number.ok()) return number.status();
        tokens.push_back({TokenKind::kLiteral, start, "", *std::move(number)});
      } else if (c == '\'') {
        size_t close = text_.find('\'', pos_ + 1);
        if (close != pos_ + 2) {
          return ErrorAt(text_, pos_,
                         "only one-byte character constants such as 'a' are supported");
        }
        tokens.push_back({TokenKind::kLiteral, start, "", Value::Int(text_[pos_ + 1])});
        pos_ += 3;
      } else if (c == '$') {
        size_t end = pos_ + 1;
        while (end < text_.size() && IsWordChar(text_[end])) ++end;
        return ErrorAt(text_, pos_,
                       StrCat("template variables such as ", text_.substr(pos_, end - pos_),
                              " are not supported"));
      } else if (IsWordChar(c)) {
        ++pos_;
        while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
        tokens.push_back(
            {TokenKind::kIdent, start, std::string(text_.substr(start, pos_ - start))});
      } else {
        return ErrorAt(text_, pos_,
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
    return ErrorAt(text_, start, StrCat("bad number syntax: \"", all, "\""));
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool trim_next_ = false;     // The last action ended with " -}}".
  std::vector<Token> tokens_;  // Of the current action.
  size_t at_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<Node>> ParseNodes(std::string_view text) {
  return NodeParser(text).Run();
}

}  // namespace vigie::logql::tmpl
