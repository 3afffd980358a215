"""An independent reference implementation of LogQL, for tests: what Grafana Loki answers.

Written from Loki's documentation and behaviour (pkg/logql), with the Python standard library
only, and deliberately simple (every query scans every entry): it is the oracle against which
tests/logql/run_cases.py checks vigied. It covers what tests/logql/cases.txt uses:

- stream selectors; line filters |= != |~ !~ |> !> with `or` and ip();
- parsers: json (nested keys joined with _, arrays and nulls skipped, expressions a="x.y[0]"),
  logfmt (--strict, --keep-empty), regexp, pattern, unpack; the _extracted suffix for names a
  stream label already has; __error__ / __error_details__;
- label filters on strings, numbers, durations, bytes and ip(), with and / or / , / ();
  drop and keep; line_format and label_format with a Go text/template subset; decolorize;
- metric queries: the log range aggregations (with unwrap), absent_over_time, vector
  aggregations, binary operators with bool / on / ignoring / group_left / group_right, set
  operators, label_replace, vector().

evaluate() returns the result in a plain form that run_cases.py compares with vigied's JSON.
"""
import bisect
import functools
import ipaddress
import json
import math
import re

ANY_DETAILS = "<any error details>"  # __error_details__ text is the implementation's own.


class QueryError(Exception):
    """The query is refused. `kind` is "parse" (Loki refuses it before running it), or the name
    of the __error__ that makes a metric query fail (a "pipeline error" in Loki)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def parse_error(message):
    return QueryError("parse", message)


# ---------------------------------------------------------------------------------------------
# Lexer

DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
                  "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
BYTES_UNITS = {"b": 1, "": 1, "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024, "m": 10**6,
               "mb": 10**6, "mi": 2**20, "mib": 2**20, "g": 10**9, "gb": 10**9, "gi": 2**30,
               "gib": 2**30, "t": 10**12, "tb": 10**12, "ti": 2**40, "tib": 2**40,
               "p": 10**15, "pb": 10**15, "pi": 2**50, "pib": 2**50}
OPERATORS = ["|=", "|~", "|>", "!=", "!~", "!>", "=~", "==", ">=", "<=", "{", "}", "(", ")",
             "[", "]", ",", "=", ">", "<", "|", "+", "-", "*", "/", "%", "^"]


class Token:
    def __init__(self, kind, text, value=None):
        self.kind, self.text, self.value = kind, text, value


def unquote_go(body):
    """Go's escapes in a double-quoted string."""
    out = bytearray()
    i = 0
    simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34,
              "'": 39}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        if i + 1 >= len(body):
            raise parse_error("bad escape")
        e = body[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif e in "01234567":
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
        elif e in "uU":
            n = 4 if e == "u" else 8
            out += chr(int(body[i + 2:i + 2 + n], 16)).encode()
            i += 2 + n
        else:
            raise parse_error("unknown escape \\" + e)
    return out.decode("utf-8", "replace")


def lex(text):
    tokens = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\n":
                    raise parse_error("newline in string")
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise parse_error("unterminated string")
            tokens.append(Token("STR", text[i:j + 1], unquote_go(text[i + 1:j])))
            i = j + 1
            continue
        if c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise parse_error("unterminated string")
            tokens.append(Token("STR", text[i:j + 1], text[i + 1:j].replace("\r", "")))
            i = j + 1
            continue
        if c == "-" and text.startswith("--", i):
            m = re.compile(r"--[a-z-]+").match(text, i)
            tokens.append(Token("FLAG", m.group(0)))
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = re.compile(r"(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)").match(text, i)
            j = m.end()
            unit = re.compile(r"[a-zA-Zµ]+").match(text, j)
            if not unit:
                tokens.append(Token("NUM", m.group(0), float(m.group(0))))
                i = j
                continue
            if unit.group(0).lower().endswith("b"):
                mult = BYTES_UNITS.get(unit.group(0).lower())
                if mult is None:
                    raise parse_error("bad bytes unit " + unit.group(0))
                tokens.append(Token("BYTES", text[i:unit.end()], int(float(m.group(0)) * mult)))
                i = unit.end()
                continue
            d = re.compile(r"(?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h|d|w|y))+").match(text, i)
            if not d or d.end() != unit.end():
                raise parse_error("bad duration " + text[i:unit.end()])
            secs = sum(float(v) * DURATION_UNITS[u] for v, u in
                       re.findall(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h|d|w|y)", d.group(0)))
            tokens.append(Token("DUR", d.group(0), secs))
            i = d.end()
            continue
        if c.isalpha() or c == "_":
            m = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").match(text, i)
            tokens.append(Token("IDENT", m.group(0)))
            i = m.end()
            continue
        for op in OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("OP", op))
                i += len(op)
                break
        else:
            raise parse_error("unexpected character %r" % c)
    tokens.append(Token("EOF", ""))
    return tokens


# ---------------------------------------------------------------------------------------------
# Go semantics the stages rely on

GO_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")


def go_parse_duration(s):
    """time.ParseDuration, in seconds."""
    orig = s
    sign = 1
    if s[:1] in "+-" and s:
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError('time: invalid duration "%s"' % orig)
    pos, total = 0, 0.0
    while pos < len(s):
        m = GO_DURATION.match(s, pos)
        if not m:
            raise ValueError('time: invalid duration "%s"' % orig)
        total += float(m.group(1)) * DURATION_UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def humanize_parse_bytes(s):
    """github.com/dustin/go-humanize ParseBytes."""
    m = re.match(r"[0-9.,]*", s)
    num = m.group(0).replace(",", "")
    try:
        f = float(num)
    except ValueError:
        raise ValueError("invalid bytes %r" % s)
    unit = s[m.end():].strip().lower()
    if unit not in BYTES_UNITS:
        raise ValueError("unhandled size name: " + unit)
    return int(f * BYTES_UNITS[unit])


def go_parse_float(s):
    """strconv.ParseFloat for the forms that occur: no Python-only spellings."""
    if not re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?i:inf|infinity|nan)", s):
        raise ValueError('strconv.ParseFloat: parsing "%s": invalid syntax' % s)
    return float(s)


def go_regex(pattern):
    """Go RE2 syntax to Python's, for the subset the cases use."""
    try:
        return re.compile(pattern)
    except re.error as e:
        raise parse_error("invalid regex %r: %s" % (pattern, e))


def go_expand(template, match):
    """Regexp.Expand: $1, ${1}, $name, ${name}, $$."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        try:
            key = int(name) if name.isdigit() else name
            return match.group(key) or ""
        except IndexError:
            return ""
    return re.sub(r"\$\$|\$\{([a-zA-Z0-9_]+)\}|\$([a-zA-Z0-9_]+)", sub, template)


@functools.lru_cache(maxsize=None)
def sanitize_label(key):
    key = key.strip()
    if not key:
        return key
    if key[0].isdigit():
        key = "_" + key
    return "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in key)


LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


# ---------------------------------------------------------------------------------------------
# The labels of one entry as it goes through the pipeline (Loki's LabelsBuilder)

class Labels:
    def __init__(self, stream, hints=None):
        self.base = stream
        self.lbs = dict(stream)
        # Loki's parser hints (its Hints in parser_hints.go), for a metric query whose labels
        # are dropped: the names the parsers extract (None: all), and those extracted so far.
        self.hints = hints
        self.extracted = set()

    def base_has(self, name):
        return name in self.base

    def wants(self, name):
        return self.hints is None or name in self.hints

    def no_labels(self):
        """Loki's NoLabels(): nothing to extract, or every hinted name extracted already; the
        parsers then return at once (no label, no __error__, the line unchanged)."""
        return self.hints is not None and self.hints <= self.extracted

    def set_parsed(self, name, value):
        self.lbs[name] = value
        if self.hints is not None:
            self.extracted.add(name)

    def has_err(self):
        return bool(self.lbs.get("__error__"))

    def set_err(self, kind, details=None):
        self.lbs["__error__"] = kind
        if details is not None:
            self.lbs["__error_details__"] = ANY_DETAILS


# ---------------------------------------------------------------------------------------------
# Parsers

class JsonError(Exception):
    pass


_DECODER = json.JSONDecoder()


def _json_value_end(line, pos):
    """Parses one JSON value at pos; returns (python value, end)."""
    try:
        return _DECODER.raw_decode(line, pos)
    except json.JSONDecodeError as e:
        raise JsonError(str(e))


def _skip_ws(line, pos):
    while pos < len(line) and line[pos] in " \t\r\n":
        pos += 1
    return pos


def json_object_each(line, pos, callback):
    """jsonparser.ObjectEach: calls callback(key_raw, value, raw_text) for each member in
    order, stopping with JsonError at the first malformed one (members before it count)."""
    pos = _skip_ws(line, pos)
    if pos >= len(line) or line[pos] != "{":
        raise JsonError("Value is not an object")
    pos = _skip_ws(line, pos + 1)
    if pos < len(line) and line[pos] == "}":
        return
    while True:
        if pos >= len(line) or line[pos] != '"':
            raise JsonError("Malformed JSON error")
        end = pos + 1
        while end < len(line) and line[end] != '"':
            end += 2 if line[end] == "\\" else 1
        if end >= len(line):
            raise JsonError("Malformed JSON error")
        key = line[pos + 1:end]
        pos = _skip_ws(line, end + 1)
        if pos >= len(line) or line[pos] != ":":
            raise JsonError("Malformed JSON error")
        pos = _skip_ws(line, pos + 1)
        value, vend = _json_value_end(line, pos)
        callback(key, value, line[pos:vend])
        pos = _skip_ws(line, vend)
        if pos < len(line) and line[pos] == ",":
            pos = _skip_ws(line, pos + 1)
            continue
        if pos < len(line) and line[pos] == "}":
            return
        raise JsonError("Malformed JSON error")


def json_scalar_text(value, raw):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return raw  # numbers keep their text: "1.50" stays "1.50"


def json_flatten(line):
    """([(label name, value)], parse error?) of | json over line: nested keys joined with _,
    arrays and nulls skipped; the members before a syntax error count. Memoized: the cases
    parse the same lines many times."""
    cached = _JSON_CACHE.get(line)
    if cached is None:
        pairs = []

        def walk(prefix, key, value, raw):
            name = sanitize_label(key) if not prefix else prefix + "_" + sanitize_label(key)
            if isinstance(value, dict):
                json_object_each(raw, 0, lambda k, v, r: walk(name, k, v, r))
            elif not isinstance(value, list) and value is not None:
                pairs.append((name, json_scalar_text(value, raw)))

        error = False
        try:
            json_object_each(line, 0, lambda k, v, r: walk("", k, v, r))
        except JsonError:
            error = True
        cached = _JSON_CACHE[line] = (pairs, error)
    return cached


_JSON_CACHE = {}


def stage_json(lbs, line):
    if lbs.no_labels():
        return line
    pairs, error = json_flatten(line)
    for name, value in pairs:
        name = name + "_extracted" if lbs.base_has(name) else name
        if not lbs.wants(name):
            continue
        lbs.set_parsed(name, value)
        if lbs.no_labels():
            return line  # Loki's errFoundAllLabels: the rest of the line is not read
    if error:
        lbs.set_err("JSONParserErr", "details")
    return line


def parse_json_path(expr):
    """a.b[0]["c d"] -> ["a", "b", 0, "c d"]."""
    path = []
    i = 0
    while i < len(expr):
        if expr[i] == ".":
            i += 1
            continue
        if expr[i] == "[":
            j = expr.index("]", i)
            inner = expr[i + 1:j].strip()
            path.append(int(inner) if inner.isdigit() else inner.strip('"'))
            i = j + 1
            continue
        m = re.compile(r"[a-zA-Z0-9_\-]+").match(expr, i)
        if not m:
            raise parse_error("cannot parse expression [%s]" % expr)
        path.append(m.group(0))
        i = m.end()
    return path


def stage_json_expressions(exprs, lbs, line):
    if not line or lbs.no_labels():
        return line
    if line[0] not in '{["':
        lbs.set_err("JSONParserErr")
        return line
    try:
        doc = json.loads(line)
    except ValueError:
        doc = None
        lbs.set_err("JSONParserErr")
    for name, path in exprs:
        value = doc
        for step in path:
            if isinstance(step, int) and isinstance(value, list) and step < len(value):
                value = value[step]
            elif isinstance(step, str) and isinstance(value, dict) and step in value:
                value = value[step]
            else:
                value = None
                break
        target = name + "_extracted" if lbs.base_has(name) else name
        if value is None and lbs.base_has(name):
            continue  # Loki fills in "" only for names no label has yet
        if value is None:
            text = ""
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value)
        lbs.set_parsed(target, text)
    return line


def logfmt_unquote(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def logfmt_scan(line):
    """Loki's logfmt decoder: yields (key, value, error) per key=value; error is set on the
    first malformed token (scanning goes on after it)."""
    pos, n = 0, len(line)
    while True:
        while pos < n and line[pos] <= " ":
            pos += 1
        if pos >= n:
            return
        start = pos
        key = None
        bad = None
        while pos < n:
            c = line[pos]
            if c == "=":
                if pos == start:
                    bad = "unexpected '='"
                else:
                    key = line[start:pos]
                break
            if c == '"':
                bad = "unexpected '\"'"
                break
            if c <= " ":
                break
            pos += 1
        if bad:  # the rest of the token is skipped
            while pos < n and line[pos] > " ":
                pos += 1
            yield None, None, bad
            continue
        if key is None:  # a bare key, ended by a space or the end of the line
            yield line[start:pos], None, None
            continue
        pos += 1  # the "="
        if pos >= n or line[pos] <= " ":
            yield key, None, None
            continue
        if line[pos] == '"':
            j = pos + 1
            esc = has_esc = False
            while j < n:
                c = line[j]
                if esc:
                    esc = False
                elif c == "\\":
                    esc = has_esc = True
                elif c == '"':
                    break
                j += 1
            if j >= n:
                pos = n
                yield None, None, "unterminated quoted value"
                return
            raw = line[pos:j + 1]
            pos = j + 1
            if has_esc:
                value = logfmt_unquote(raw)
                if value is None:
                    yield None, None, "invalid quoted value"
                    continue
            else:
                value = raw[1:-1]
            yield key, value, None
            continue
        vstart = pos
        bad = None
        while pos < n and line[pos] > " ":
            if line[pos] in '="':
                bad = "unexpected %r" % line[pos]
                break
            pos += 1
        if bad:
            while pos < n and line[pos] > " ":
                pos += 1
            yield None, None, bad
            continue
        yield key, line[vstart:pos], None


_LOGFMT_CACHE = {}


def stage_logfmt(strict, keep_empty, lbs, line):
    if lbs.no_labels():
        return line
    error = None
    scanned = _LOGFMT_CACHE.get(line)
    if scanned is None:
        scanned = _LOGFMT_CACHE[line] = list(logfmt_scan(line))
    for key, value, err in scanned:
        if err:
            error = error or err
            if strict:
                break
            continue
        name = sanitize_label(key)
        if not name:
            continue
        if lbs.base_has(name):
            name += "_extracted"
        if not lbs.wants(name) or (not value and not keep_empty):
            continue
        lbs.set_parsed(name, value or "")
        if lbs.no_labels():
            return line  # every hinted label found: Loki stops reading the line
    if strict and error:
        lbs.set_err("LogfmtParserErr", error)
    return line


def stage_regexp(regex, names, lbs, line):
    m = regex.search(line)
    if not m:
        return line
    for name in names:
        label = sanitize_label(name)
        if lbs.base_has(label):
            label += "_extracted"
        if lbs.wants(label):
            lbs.set_parsed(label, m.group(name) or "")
    return line


def parse_pattern(text):
    """[("lit", s) | ("cap", name)]; name "_" is an unnamed capture."""
    parts = []
    pos = 0
    for m in re.finditer(r"<(_|[a-zA-Z_][a-zA-Z0-9_]*)>", text):
        if m.start() > pos:
            parts.append(("lit", text[pos:m.start()]))
        elif parts and parts[-1][0] == "cap":
            raise parse_error("pattern: consecutive captures are not allowed")
        parts.append(("cap", m.group(1)))
        pos = m.end()
    if pos < len(text):
        parts.append(("lit", text[pos:]))
    names = [p[1] for p in parts if p[0] == "cap" and p[1] != "_"]
    if not any(p[0] == "cap" for p in parts):
        raise parse_error("pattern: at least one capture is required")
    if len(set(names)) != len(names):
        raise parse_error("pattern: duplicate capture")
    return parts


def pattern_match(parts, line):
    """The captures, in order, as Loki's pattern matcher finds them (a missing literal makes
    its capture take the rest of the line); None when the line does not start right."""
    caps = []
    expr = list(parts)
    if expr and expr[0][0] == "lit":
        if not line.startswith(expr[0][1]):
            return caps, False
        line = line[len(expr[0][1]):]
        expr = expr[1:]
    while expr:
        if len(expr) == 1:
            if expr[0][1] != "_":
                caps.append(line)
            return caps, True
        cap, lit = expr[0][1], expr[1][1]
        expr = expr[2:]
        i = line.find(lit)
        if i < 0:
            if cap != "_":
                caps.append(line)
            return caps, False
        if cap != "_":
            caps.append(line[:i])
        line = line[i + len(lit):]
    return caps, line == ""


def stage_pattern(parts, lbs, line):
    if not line or lbs.no_labels():
        return line
    names = [p[1] for p in parts if p[0] == "cap" and p[1] != "_"]
    caps, _ = pattern_match(parts, line)
    for name, value in zip(names, caps):
        if lbs.base_has(name):
            name += "_extracted"
        if lbs.wants(name):
            lbs.set_parsed(name, value)
    return line


def stage_unpack(lbs, line):
    """Promtail's pack format: the string members become labels and _entry the line, but only
    when _entry is there (a JSON line without it is left alone)."""
    if not line or lbs.no_labels():
        return line
    if line[0] != "{":
        lbs.set_err("JSONParserErr", "details")
        return line
    found = []
    entry = [None]

    def member(key, value, raw):
        if not isinstance(value, str):
            return
        if key == "_entry":
            entry[0] = value
            return
        found.append((sanitize_label(key + "_extracted" if lbs.base_has(key) else key), value))

    try:
        json_object_each(line, 0, member)
    except JsonError:
        lbs.set_err("JSONParserErr", "details")
        return line
    if entry[0] is None:
        return line
    for k, v in found:
        if lbs.wants(k):
            lbs.set_parsed(k, v)
    return entry[0]


ANSI = re.compile(r"\x1b\[[0-9;]*[a-zA-Z]")


# ---------------------------------------------------------------------------------------------
# Go text/template, the subset Loki's line_format and label_format templates use

class NoValue:
    def __str__(self):
        return "<no value>"


NO_VALUE = NoValue()


def tpl_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def tpl_truth(v):
    return not (v is NO_VALUE or v is None or v == "" or v == 0 or v is False)


def go_printf(fmt, args):
    out = []
    i = 0
    args = list(args)
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        m = re.compile(r"%([-+ 0#]*)([0-9]*)(?:\.([0-9]+))?([a-zA-Z%])").match(fmt, i)
        flags, width, prec, verb = m.groups()
        i = m.end()
        if verb == "%":
            out.append("%")
            continue
        arg = args.pop(0) if args else None
        if verb in "sv":
            text = tpl_str(arg)
            if prec:
                text = text[:int(prec)]
        elif verb == "q":
            text = json.dumps(tpl_str(arg))
        elif verb == "d":
            if isinstance(arg, (int, float)) and not isinstance(arg, bool):
                text = str(int(arg))
            else:
                text = "%%!d(string=%s)" % tpl_str(arg)
        elif verb == "f":
            text = ("%." + (prec or "6") + "f") % float(arg)
        else:
            raise QueryError("TemplateFormatErr", "verb " + verb)
        if width:
            text = text.ljust(int(width)) if "-" in flags else text.rjust(
                int(width), "0" if "0" in flags and verb in "df" else " ")
        out.append(text)
    return "".join(out)


def sprig_trunc(n, s):
    n = int(n)
    if n < 0:
        return s[len(s) + n:] if len(s) + n > 0 else s
    return s[:n]


TEMPLATE_FUNCS = {
    "ToUpper": lambda s: tpl_str(s).upper(), "ToLower": lambda s: tpl_str(s).lower(),
    "upper": lambda s: tpl_str(s).upper(), "lower": lambda s: tpl_str(s).lower(),
    "trim": lambda s: tpl_str(s).strip(),
    "trimPrefix": lambda p, s: tpl_str(s)[len(p):] if tpl_str(s).startswith(p) else tpl_str(s),
    "trimSuffix": lambda p, s: tpl_str(s)[:-len(p)] if p and tpl_str(s).endswith(p) else tpl_str(s),
    "trunc": lambda n, s: sprig_trunc(n, tpl_str(s)),
    "replace": lambda old, new, s: tpl_str(s).replace(old, new),
    "regexReplaceAll": lambda r, s, repl: go_regex(r).sub(
        lambda m: go_expand(repl, m), tpl_str(s)),
    "regexReplaceAllLiteral": lambda r, s, repl: go_regex(r).sub(lambda m: repl, tpl_str(s)),
    "default": lambda d, v=NO_VALUE: v if tpl_truth(v) else d,
    "printf": lambda f, *a: go_printf(f, a),
    "eq": lambda a, *b: any(tpl_str(a) == tpl_str(x) for x in b),
    "ne": lambda a, b: tpl_str(a) != tpl_str(b),
    "contains": lambda sub, s: sub in tpl_str(s),
    "hasPrefix": lambda p, s: tpl_str(s).startswith(p),
    "hasSuffix": lambda p, s: tpl_str(s).endswith(p),
    "not": lambda v: not tpl_truth(v),
    "and": lambda *a: next((x for x in a if not tpl_truth(x)), a[-1]),
    "or": lambda *a: next((x for x in a if tpl_truth(x)), a[-1]),
    "len": lambda s: len(tpl_str(s)),
    "unixEpoch": lambda t: tpl_str(t // 10**9),
    "unixEpochMillis": lambda t: tpl_str(t // 10**6),
}


def tpl_tokens(action):
    return re.findall(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||[^\s()|]+', action)


class Template:
    """Parsed once; render(labels, line, ts_ns) -> str."""

    def __init__(self, text):
        self.text = text
        items = self._split(text)
        self.nodes, i = self._parse_list(items, 0)
        if i < len(items):
            raise parse_error("template: unexpected {{%s}}" % items[i][1])

    @staticmethod
    def _split(text):
        """[("text", s) | ("action", s)], with {{- and -}} trimming applied."""
        items = []
        pos = 0
        trim_next = False
        for m in re.finditer(r"\{\{(-\s)?(.*?)(\s-)?\}\}", text, re.S):
            lit = text[pos:m.start()]
            if trim_next:
                lit = lit.lstrip()
            if m.group(1):
                lit = lit.rstrip()
            items.append(("text", lit))
            items.append(("action", m.group(2).strip()))
            trim_next = bool(m.group(3))
            pos = m.end()
        lit = text[pos:]
        if "{{" in lit:
            raise parse_error("template: unclosed action")
        items.append(("text", lit.lstrip() if trim_next else lit))
        return items

    def _parse_list(self, items, i):
        """Nodes up to an {{else}} / {{end}} (or the end); returns (nodes, its index)."""
        nodes = []
        while i < len(items):
            kind, act = items[i]
            if kind == "text":
                nodes.append(("text", act))
                i += 1
                continue
            word = act.split(None, 1)[0] if act else ""
            if word in ("end", "else"):
                return nodes, i
            if word == "if":
                node, i = self._parse_if(items, i, act[2:])
                nodes.append(node)
                continue
            nodes.append(("pipe", self._parse_pipeline(tpl_tokens(act))))
            i += 1
        return nodes, i

    def _parse_if(self, items, i, cond_text):
        cond = self._parse_pipeline(tpl_tokens(cond_text))
        body, i = self._parse_list(items, i + 1)
        if i >= len(items):
            raise parse_error("template: missing {{end}}")
        act = items[i][1]
        if act == "end":
            return ("if", cond, body, []), i + 1
        rest = act[4:].strip()
        if rest.startswith("if "):  # {{else if}} shares the {{end}}
            sub, i = self._parse_if(items, i, rest[2:])
            return ("if", cond, body, [sub]), i
        else_body, i = self._parse_list(items, i + 1)
        if i >= len(items) or items[i][1] != "end":
            raise parse_error("template: missing {{end}}")
        return ("if", cond, body, else_body), i + 1

    def _parse_pipeline(self, toks):
        cmds = [[]]
        depth = 0
        for t in toks:
            if t == "|" and depth == 0:
                cmds.append([])
                continue
            cmds[-1].append(t)
        if any(not c for c in cmds):
            raise parse_error("template: empty command")
        return [self._parse_args(c) for c in cmds]

    def _parse_args(self, toks):
        args = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t == "(":
                depth, j = 1, i + 1
                while depth:
                    depth += {"(": 1, ")": -1}.get(toks[j], 0)
                    j += 1
                args.append(("pipe", self._parse_pipeline(toks[i + 1:j - 1])))
                i = j
                continue
            if t.startswith('"'):
                args.append(("lit", unquote_go(t[1:-1])))
            elif t.startswith("`"):
                args.append(("lit", t[1:-1]))
            elif t.startswith("."):
                args.append(("field", t[1:]))
            elif re.fullmatch(r"-?[0-9]+", t):
                args.append(("lit", int(t)))
            elif re.fullmatch(r"-?[0-9]*\.[0-9]+", t):
                args.append(("lit", float(t)))
            elif t in ("__line__", "__timestamp__"):
                args.append(("special", t))
            elif t in TEMPLATE_FUNCS:
                args.append(("func", t))
            else:
                raise parse_error('template: function "%s" not defined' % t)
            i += 1
        return args

    def render(self, labels, line, ts):
        out = []
        self._run(self.nodes, labels, line, ts, out)
        return "".join(out)

    def _run(self, nodes, labels, line, ts, out):
        for node in nodes:
            if node[0] == "text":
                out.append(node[1])
            elif node[0] == "pipe":
                out.append(tpl_str(self._pipe(node[1], labels, line, ts)))
            else:
                _, cond, body, else_body = node
                if tpl_truth(self._pipe(cond, labels, line, ts)):
                    self._run(body, labels, line, ts, out)
                else:
                    self._run(else_body, labels, line, ts, out)

    def _pipe(self, cmds, labels, line, ts):
        value = None
        for idx, cmd in enumerate(cmds):
            vals = []
            for kind, v in cmd:
                if kind == "lit":
                    vals.append(v)
                elif kind == "field":
                    # Loki runs templates with missingkey=zero over a map[string]string: a
                    # missing label is the empty string, not Go's "<no value>".
                    vals.append(labels.get(v, ""))
                elif kind == "special":
                    vals.append(line if v == "__line__" else ts)
                elif kind == "pipe":
                    vals.append(self._pipe(v, labels, line, ts))
                else:
                    vals.append(("func", v))
            if idx > 0:
                vals.append(value)
            if vals and isinstance(vals[0], tuple) and vals[0][0] == "func":
                args = [tpl_str(a) if a is not NO_VALUE and isinstance(a, str) else a
                        for a in vals[1:]]
                value = TEMPLATE_FUNCS[vals[0][1]](*args)
            elif len(vals) == 1:
                value = vals[0]
            else:
                raise QueryError("TemplateFormatErr", "can't give argument to non-function")
        return value


# ---------------------------------------------------------------------------------------------
# Label filters

def ip_matcher(text):
    """ip("...") argument: an address, a CIDR or a range a-b."""
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            return lambda a: a.version == net.version and a in net
        if "-" in text:
            lo, hi = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
            return lambda a: a.version == lo.version and lo <= a <= hi
        one = ipaddress.ip_address(text)
        return lambda a: a == one
    except ValueError:
        raise parse_error("invalid ip %r" % text)


IPV4_CHARS = frozenset("0123456789.")
IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")
HEX = frozenset("0123456789abcdefABCDEF")


def _span(line, start, chars):
    end = start
    while end < len(line) and line[end] in chars:
        end += 1
    return end - start


def _ipv6_hint(p):
    h = [c in HEX for c in p]
    return ((p[0] == ":" and p[1] == ":" and h[2]) or (h[0] and p[1] == ":") or
            (h[0] and h[1] and p[2] == ":") or (h[0] and h[1] and h[2] and p[3] == ":") or
            (h[0] and h[1] and h[2] and h[3] and p[4] == ":"))


def line_has_ip(test, line):
    """Loki's scan for addresses in a line: where a digit is followed by a dot within three
    bytes (or an IPv6 prefix starts), the run of address characters is parsed; a run that is
    no address, or not one the filter wants, is skipped whole."""
    n = len(line)
    i = 0
    while i < n:
        chars = None
        if i + 3 < n and line[i].isdigit() and line[i].isascii() and "." in line[i + 1:i + 4]:
            chars = IPV4_CHARS
        elif i + 4 < n and _ipv6_hint(line[i:i + 5]):
            chars = IPV6_CHARS
        if chars is not None:
            span = _span(line, i, chars)
            try:
                if test(ipaddress.ip_address(line[i:i + span])):
                    return True
            except ValueError:
                pass
            i += span
        i += 1
    return False


def label_filter(node, lbs):
    """True to keep; may set __error__ (LabelFilterErr)."""
    kind = node[0]
    if kind == "and":
        if not label_filter(node[1], lbs):
            return False
        return label_filter(node[2], lbs)
    if kind == "or":
        left = label_filter(node[1], lbs)
        right = label_filter(node[2], lbs)
        return left or right
    _, name, op, value = node
    if kind == "str":
        v = lbs.lbs.get(name, "")
        if op == "=":
            return v == value
        if op == "!=":
            return v != value
        matched = value.fullmatch(v) is not None
        return matched if op == "=~" else not matched
    if kind == "ip":
        if lbs.has_err():
            return True
        v = lbs.lbs.get(name)
        try:
            ok = v is not None and value(ipaddress.ip_address(v))
        except ValueError:
            ok = False
        return ok if op == "=" else not ok
    # number, duration, bytes
    if lbs.has_err():
        return True
    if name not in lbs.lbs:
        return False
    v = lbs.lbs[name]
    try:
        if kind == "num":
            x = go_parse_float(v)
        elif kind == "dur":
            x = go_parse_duration(v)
        else:
            x = humanize_parse_bytes(v)
    except ValueError:
        lbs.set_err("LabelFilterErr", None if kind == "bytes" else "details")
        return True
    return {"==": x == value, "=": x == value, "!=": x != value, ">": x > value,
            ">=": x >= value, "<": x < value, "<=": x <= value}[op]


# ---------------------------------------------------------------------------------------------
# Parser

RANGE_OPS = {"count_over_time", "rate", "bytes_over_time", "bytes_rate", "absent_over_time",
             "sum_over_time", "avg_over_time", "min_over_time", "max_over_time",
             "first_over_time", "last_over_time", "stddev_over_time", "stdvar_over_time",
             "quantile_over_time", "rate_counter"}
UNWRAP_OPS = {"sum_over_time", "avg_over_time", "min_over_time", "max_over_time",
              "first_over_time", "last_over_time", "stddev_over_time", "stdvar_over_time",
              "quantile_over_time", "rate_counter"}
GROUPING_OK = {"avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
               "max_over_time", "min_over_time", "first_over_time", "last_over_time"}
VECTOR_OPS = {"sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk",
              "sort", "sort_desc"}
BINARY_PREC = {"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, ">": 3, ">=": 3, "<": 3,
               "<=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "^": 6}
COMPARISON = {"==", "!=", ">", ">=", "<", "<="}
KEYWORDS = {"or", "and", "unless", "by", "without", "bool", "on", "ignoring", "group_left",
            "group_right", "offset"}


class Parser:
    def __init__(self, text):
        self.toks = lex(text)
        self.i = 0

    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind, text=None):
        t = self.peek()
        if t.kind == kind and (text is None or t.text == text):
            self.i += 1
            return t
        return None

    def expect(self, kind, text=None):
        t = self.accept(kind, text)
        if not t:
            raise parse_error("expected %s, found %r" % (text or kind, self.peek().text))
        return t

    def parse(self):
        if self.peek().kind == "OP" and self.peek().text == "{":
            node = self.log_query(allow_unwrap=False)
        else:
            node = self.expr()
        if self.peek().kind != "EOF":
            raise parse_error("unexpected %r" % self.peek().text)
        return node

    # metric expressions: precedence climbing; ^ is right-associative
    def binary_operator(self):
        t = self.peek()
        if t.kind == "OP" or (t.kind == "IDENT" and t.text in ("or", "and", "unless")):
            return t.text if t.text in BINARY_PREC else None
        return None

    def expr(self, min_prec=1):
        left = self.unary()
        while True:
            op = self.binary_operator()
            if op is None or BINARY_PREC[op] < min_prec:
                return left
            self.next()
            mod = {"bool": False, "on": None, "ignoring": None, "group": None, "include": []}
            if self.accept("IDENT", "bool"):
                if op not in COMPARISON:
                    raise parse_error("bool modifier on a non-comparison")
                mod["bool"] = True
            for word in ("on", "ignoring"):
                if self.accept("IDENT", word):
                    mod[word] = self.label_list()
            for word in ("group_left", "group_right"):
                if self.accept("IDENT", word):
                    mod["group"] = word
                    if self.peek().text == "(":
                        mod["include"] = self.label_list()
            if op in ("and", "or", "unless") and mod["group"]:
                raise parse_error("no grouping allowed for set operations")
            prec = BINARY_PREC[op]
            right = self.expr(prec if op == "^" else prec + 1)
            left = ("binop", op, left, right, mod)

    def label_list(self):
        self.expect("OP", "(")
        names = []
        if not self.accept("OP", ")"):
            while True:
                names.append(self.expect("IDENT").text)
                if self.accept("OP", ")"):
                    break
                self.expect("OP", ",")
        return names

    def grouping(self):
        for word in ("by", "without"):
            if self.accept("IDENT", word):
                return (word, self.label_list())
        return None

    def unary(self):
        t = self.peek()
        if t.kind == "OP" and t.text == "(":
            self.next()
            node = self.expr()
            self.expect("OP", ")")
            return ("paren", node)
        if t.kind == "OP" and t.text == "-" and self.peek(1).kind == "NUM":
            self.next()
            return ("scalar", -self.next().value)
        if t.kind == "NUM":
            self.next()
            return ("scalar", t.value)
        if t.kind == "OP" and t.text == "{":
            raise parse_error("a log query cannot be an operand")
        if t.kind != "IDENT":
            raise parse_error("unexpected %r" % t.text)
        name = t.text
        self.next()
        if name in RANGE_OPS:
            return self.range_agg(name)
        if name in VECTOR_OPS:
            return self.vector_agg(name)
        if name == "label_replace":
            self.expect("OP", "(")
            inner = self.expr()
            args = []
            for _ in range(4):
                self.expect("OP", ",")
                args.append(self.expect("STR").value)
            self.expect("OP", ")")
            if not LABEL_NAME.match(args[0]):
                raise parse_error("invalid destination label name")
            try:
                regex = re.compile("(?:" + args[3] + r")\Z")
            except re.error as e:
                raise parse_error("invalid regex: %s" % e)
            return ("label_replace", inner, args[0], args[1], args[2], regex)
        if name == "vector":
            self.expect("OP", "(")
            v = self.expect("NUM").value
            self.expect("OP", ")")
            return ("vector", v)
        raise parse_error("unknown function %s" % name)

    def range_agg(self, name):
        self.expect("OP", "(")
        param = None
        if name == "quantile_over_time":
            param = self.expect("NUM").value
            self.expect("OP", ",")
        log = self.log_query(allow_unwrap=True)
        self.expect("OP", "[")
        rng = self.expect("DUR").value
        self.expect("OP", "]")
        offset = 0.0
        if self.accept("IDENT", "offset"):
            offset = self.expect("DUR").value
        self.expect("OP", ")")
        grouping = self.grouping()
        unwrap = log[3]
        if name in UNWRAP_OPS and not unwrap:
            raise parse_error("invalid aggregation %s without unwrap" % name)
        if name not in UNWRAP_OPS and unwrap and name != "rate":
            raise parse_error("invalid aggregation %s with unwrap" % name)
        if grouping and name not in GROUPING_OK:
            raise parse_error("grouping not allowed for %s aggregation" % name)
        if rng <= 0:
            raise parse_error("range must be positive")
        return ("range", name, param, log, rng, offset, grouping)

    def vector_agg(self, name):
        grouping = self.grouping()
        self.expect("OP", "(")
        param = None
        if name in ("topk", "bottomk"):
            t = self.expect("NUM")
            if t.value != int(t.value) or t.value <= 0:
                raise parse_error("invalid parameter for %s" % name)
            param = int(t.value)
            self.expect("OP", ",")
        inner = self.expr()
        self.expect("OP", ")")
        after = self.grouping()
        if grouping and after:
            raise parse_error("two groupings")
        grouping = grouping or after
        if name in ("sort", "sort_desc") and grouping:
            raise parse_error("sort takes no grouping")
        if inner[0] == "scalar":
            raise parse_error("aggregation over a scalar")
        return ("vagg", name, param, inner, grouping)

    # log queries
    def log_query(self, allow_unwrap):
        self.expect("OP", "{")
        matchers = []
        while True:
            name = self.expect("IDENT").text
            op = self.next()
            if op.text not in ("=", "!=", "=~", "!~"):
                raise parse_error("bad matcher operator %r" % op.text)
            value = self.expect("STR").value
            if op.text in ("=~", "!~"):
                try:
                    value = re.compile("(?:" + value + r")\Z", re.S)
                except re.error as e:
                    raise parse_error("invalid regex: %s" % e)
            matchers.append((name, op.text, value))
            if self.accept("OP", "}"):
                break
            self.expect("OP", ",")
        if all(match_value(m, "") for m in matchers):
            raise parse_error("queries require at least one regexp or equality matcher that "
                              "does not have an empty-compatible value")
        stages = []
        unwrap = None
        post = []
        while True:
            t = self.peek()
            if t.kind == "OP" and t.text in ("|=", "!=", "|~", "!~", "|>", "!>"):
                if unwrap:
                    raise parse_error("line filter after unwrap")
                self.next()
                stages.append(self.line_filter(t.text))
                continue
            if not (t.kind == "OP" and t.text == "|"):
                break
            self.next()
            word = self.peek()
            if word.kind == "IDENT" and word.text == "unwrap":
                if unwrap or not allow_unwrap:
                    raise parse_error("unexpected unwrap")
                self.next()
                conv = None
                if self.peek(1).text == "(" and self.peek().text in ("duration", "duration_seconds",
                                                                      "bytes"):
                    conv = self.next().text
                    self.expect("OP", "(")
                    label = self.expect("IDENT").text
                    self.expect("OP", ")")
                else:
                    label = self.expect("IDENT").text
                unwrap = (label, conv)
                continue
            if unwrap:
                if word.kind == "IDENT" and word.text not in self.STAGE_WORDS:
                    post.append(self.label_filter_expr())
                    continue
                raise parse_error("only label filters may follow unwrap")
            stages.append(self.stage())
        return ("log", matchers, stages, unwrap, post)

    STAGE_WORDS = {"json", "logfmt", "regexp", "pattern", "unpack", "line_format",
                   "label_format", "decolorize", "drop", "keep"}

    def line_filter(self, op):
        values = [self.filter_value(op)]
        while self.peek().kind == "IDENT" and self.peek().text == "or":
            self.next()
            values.append(self.filter_value(op))
        return ("line", op, values)

    def filter_value(self, op):
        if self.peek().kind == "IDENT" and self.peek().text == "ip":
            if op not in ("|=", "!="):
                raise parse_error("ip() only with |= and !=")
            self.next()
            self.expect("OP", "(")
            arg = self.expect("STR").value
            self.expect("OP", ")")
            return ("ip", ip_matcher(arg))
        s = self.expect("STR").value
        if op in ("|~", "!~"):
            return ("re", go_regex(s))
        if op in ("|>", "!>"):
            return ("pattern", parse_pattern(s))
        return ("lit", s)

    def stage(self):
        t = self.expect("IDENT") if self.peek().kind == "IDENT" else None
        if t is None:
            if self.peek().text == "(":
                return ("filter", self.label_filter_expr())
            raise parse_error("expected a stage after |")
        w = t.text
        if w == "json":
            exprs = self.extraction_list()
            for _, e in exprs:
                if not e:
                    raise parse_error("empty json expression")
            return ("json", [(n, parse_json_path(e)) for n, e in exprs]) if exprs else ("json", None)
        if w == "logfmt":
            strict = keep = False
            while self.peek().kind == "FLAG":
                f = self.next().text
                if f == "--strict":
                    strict = True
                elif f == "--keep-empty":
                    keep = True
                else:
                    raise parse_error("unknown logfmt flag " + f)
            return ("logfmt", strict, keep)
        if w == "regexp":
            text = self.expect("STR").value
            regex = go_regex(text)
            names = [n for n in regex.groupindex]
            if not names:
                raise parse_error("at least one named capture must be supplied")
            return ("regexp", regex, names)
        if w == "pattern":
            return ("pattern", parse_pattern(self.expect("STR").value))
        if w == "unpack":
            return ("unpack",)
        if w == "decolorize":
            return ("decolorize",)
        if w == "line_format":
            return ("line_format", Template(self.expect("STR").value))
        if w == "label_format":
            items = []
            while True:
                name = self.expect("IDENT").text
                self.expect("OP", "=")
                if self.peek().kind == "STR":
                    items.append((name, "tpl", Template(self.next().value)))
                else:
                    items.append((name, "rename", self.expect("IDENT").text))
                if not self.accept("OP", ","):
                    break
            if len({n for n, _, _ in items}) != len(items):
                raise parse_error("multiple label name '%s' in a single label_format" % name)
            return ("label_format", items)
        if w in ("drop", "keep"):
            items = []
            while True:
                name = self.expect("IDENT").text
                if self.peek().kind == "OP" and self.peek().text in ("=", "!=", "=~", "!~"):
                    op = self.next().text
                    v = self.expect("STR").value
                    if op in ("=~", "!~"):
                        v = re.compile("(?:" + v + r")\Z", re.S)
                    items.append((name, op, v))
                else:
                    items.append((name, None, None))
                if not self.accept("OP", ","):
                    break
            return (w, items)
        self.i -= 1
        return ("filter", self.label_filter_expr())

    def extraction_list(self):
        """name="expression" pairs; a bare name means name="name"."""
        exprs = []
        while self.peek().kind == "IDENT" and (self.peek(1).text in ("=", ",") or
                                               self.peek(1).kind in ("EOF",) or
                                               self.peek(1).text == "|"):
            name = self.next().text
            if self.accept("OP", "="):
                exprs.append((name, self.expect("STR").value))
            else:
                exprs.append((name, name))
            if not self.accept("OP", ","):
                break
        return exprs

    def label_filter_expr(self):
        left = self.lf_and()
        while self.peek().kind == "IDENT" and self.peek().text == "or":
            self.next()
            left = ("or", left, self.lf_and())
        return left

    def lf_and(self):
        left = self.lf_primary()
        while True:
            t = self.peek()
            if t.kind == "IDENT" and t.text == "and" or (t.kind == "OP" and t.text == ","):
                self.next()
                left = ("and", left, self.lf_primary())
            elif (t.kind == "IDENT" and t.text not in KEYWORDS and t.text not in
                  self.STAGE_WORDS and self.peek(1).kind == "OP"
                  and self.peek(1).text in ("=", "!=", "=~", "!~", "==", ">", ">=", "<", "<=")):
                left = ("and", left, self.lf_primary())
            elif t.kind == "OP" and t.text == "(":
                left = ("and", left, self.lf_primary())
            else:
                return left

    def lf_primary(self):
        if self.accept("OP", "("):
            node = self.label_filter_expr()
            self.expect("OP", ")")
            return node
        name = self.expect("IDENT").text
        op = self.next()
        if op.kind != "OP" or op.text not in ("=", "!=", "=~", "!~", "==", ">", ">=", "<", "<="):
            raise parse_error("expected a label filter operator after %s" % name)
        op = op.text
        v = self.peek()
        if v.kind == "STR":
            self.next()
            if op not in ("=", "!=", "=~", "!~"):
                raise parse_error("string with %s" % op)
            value = v.value
            if op in ("=~", "!~"):
                try:
                    value = re.compile("(?:" + value + r")\Z", re.S)
                except re.error as e:
                    raise parse_error("invalid regex: %s" % e)
            return ("str", name, op, value)
        if v.kind == "IDENT" and v.text == "ip":
            if op not in ("=", "!="):
                raise parse_error("ip() only with = and !=")
            self.next()
            self.expect("OP", "(")
            m = ip_matcher(self.expect("STR").value)
            self.expect("OP", ")")
            return ("ip", name, op, m)
        if op in ("=~", "!~"):
            raise parse_error("regex matcher needs a string")
        neg = 1
        if self.accept("OP", "-"):
            neg = -1
        v = self.next()
        if v.kind == "NUM":
            return ("num", name, op, neg * v.value)
        if v.kind == "DUR":
            return ("dur", name, op, neg * v.value)
        if v.kind == "BYTES":
            return ("bytes", name, op, v.value)
        raise parse_error("bad label filter value %r" % v.text)


def match_value(matcher, value):
    _, op, want = matcher
    if op == "=":
        return value == want
    if op == "!=":
        return value != want
    hit = want.match(value) is not None
    return hit if op == "=~" else not hit


def parse(text):
    return Parser(text).parse()


# ---------------------------------------------------------------------------------------------
# Running a log pipeline

def line_filter(stage, line):
    _, op, values = stage
    hit = False
    for kind, v in values:
        if kind == "lit":
            hit = v in line
        elif kind == "re":
            hit = v.search(line) is not None
        elif kind == "ip":
            hit = line_has_ip(v, line)
        else:
            hit = bool(line) and pattern_match(v, line)[1]
        if hit:
            break
    return hit if op in ("|=", "|~", "|>") else not hit


def run_stage(stage, lbs, line, ts):
    """(line, keep)."""
    kind = stage[0]
    if kind == "line":
        return line, line_filter(stage, line)
    if kind == "json":
        if stage[1] is None:
            return stage_json(lbs, line), True
        return stage_json_expressions(stage[1], lbs, line), True
    if kind == "logfmt":
        return stage_logfmt(stage[1], stage[2], lbs, line), True
    if kind == "regexp":
        return stage_regexp(stage[1], stage[2], lbs, line), True
    if kind == "pattern":
        return stage_pattern(stage[1], lbs, line), True
    if kind == "unpack":
        return stage_unpack(lbs, line), True
    if kind == "decolorize":
        return ANSI.sub("", line), True
    if kind == "line_format":
        return stage[1].render(lbs.lbs, line, ts), True
    if kind == "label_format":
        snapshot = dict(lbs.lbs)
        for name, how, arg in stage[1]:
            if how == "rename":
                if arg in snapshot:
                    lbs.lbs[name] = snapshot[arg]
                    if arg != name:
                        lbs.lbs.pop(arg, None)
            else:
                lbs.lbs[name] = arg.render(snapshot, line, ts)
        return line, True
    if kind == "drop":
        for name, op, v in stage[1]:
            if name in lbs.lbs and (op is None or match_value((name, op, v), lbs.lbs[name])):
                del lbs.lbs[name]
        return line, True
    if kind == "keep":
        # The error labels stay: keep is about the other labels.
        kept = {}
        for name, value in lbs.lbs.items():
            if name in ("__error__", "__error_details__") or any(
                    name == k and (op is None or match_value((k, op, v), value))
                    for k, op, v in stage[1]):
                kept[name] = value
        lbs.lbs = kept
        return line, True
    if kind == "filter":
        return line, label_filter(stage[1], lbs)
    raise AssertionError(kind)


def select(streams, matchers):
    for labels, entries in streams:
        if all(match_value(m, labels.get(m[0], "")) for m in matchers):
            yield labels, entries


def run_pipeline(stages, labels, ts, line, hints=None):
    """(labels dict, line) after the stages, or None when a stage drops the entry."""
    lbs = Labels(labels, hints)
    for stage in stages:
        line, keep = run_stage(stage, lbs, line, ts)
        if not keep:
            return None
    return lbs, line


def key(labels):
    return tuple(sorted(labels.items()))


def run_log_query(node, streams, start, end):
    """{labels-key: [(ts, line)]} for entries with start <= ts < end."""
    _, matchers, stages, unwrap, post = node
    out = {}
    for labels, entries in select(streams, matchers):
        lo = bisect.bisect_left(entries, (start,))
        for ts, line in entries[lo:]:
            if ts >= end:
                break
            r = run_pipeline(stages, labels, ts, line)
            if r is None:
                continue
            lbs, line2 = r
            out.setdefault(key(lbs.lbs), []).append((ts, line2))
    return {k: sorted(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Metric queries

PUSHED_DOWN = {"count_over_time", "rate", "bytes_over_time", "bytes_rate", "sum_over_time"}


def filter_names(node):
    if node[0] in ("and", "or"):
        return filter_names(node[1]) | filter_names(node[2])
    return {node[1]}


def template_fields(template):
    """The fields a template reads ({{ .a | f .b }} reads a and b), as Loki lists them."""
    return {f for m in re.finditer(r"\{\{(.*?)\}\}", template.text, re.S)
            for f in re.findall(r"(?<![\w)])\.([A-Za-z_]\w*)", m.group(1))}


def stage_reads(stage):
    """Loki's RequiredLabelNames of a stage: a label filter's labels, a template's fields,
    label_format's renamed labels; the parsers, keep, drop and line filters read none."""
    kind = stage[0]
    if kind == "filter":
        return filter_names(stage[1])
    if kind == "line_format":
        return template_fields(stage[1])
    if kind == "label_format":
        names = set()
        for _, how, arg in stage[1]:
            names |= {arg} if how == "rename" else template_fields(arg)
        return names
    return set()


def parser_hints(tree):
    """{id(range node): hinted names} for the range aggregations Loki gives its "no labels"
    parser hint (syntax.RangeAggregationExpr.extractor): absent_over_time, and count_over_time,
    rate, bytes_*, sum_over_time without grouping right under a sum() without grouping. Their
    parsers extract only the labels the stages and the unwrap read (a name ending in _extracted
    is hinted with and without the suffix), stop reading a line once they have them all, and
    do not run at all when none is read: no label, no __error__, the line unchanged."""
    found = {}

    def hint(r):
        log = r[3]
        names = set()
        for st in log[2]:
            names |= stage_reads(st)
        if log[3]:
            names.add(log[3][0])
            for p in log[4]:
                names |= filter_names(p)
        found[id(r)] = names | {n[:-len("_extracted")] for n in names if n.endswith("_extracted")}

    def walk(n):
        if n[0] == "range" and n[1] == "absent_over_time":
            hint(n)
        if n[0] == "vagg" and n[1] == "sum" and n[4] in (None, ("by", [])):
            r = n[3]
            while r[0] == "paren":  # Loki's syntax tree has no parentheses
                r = r[1]
            if r[0] == "range" and r[1] in PUSHED_DOWN and r[6] is None:
                hint(r)
        for child in n[1:]:
            if isinstance(child, tuple) and child and isinstance(child[0], str):
                walk(child)

    walk(tree)
    return found


def samples_of(node, streams, lo, hi, hints=None):
    """{series-key: sorted [(ts, value)]} for a range aggregation's log query over (lo, hi],
    with the parser hints of parser_hints() (None: every label)."""
    _, name, _, log, _, _, grouping = node
    _, matchers, stages, unwrap, post = log
    series = {}
    for labels, entries in select(streams, matchers):
        first = bisect.bisect_right(entries, (lo, "\U0010ffff"))
        for ts, line in entries[first:]:
            if ts > hi:
                break
            r = run_pipeline(stages, labels, ts, line, hints)
            if r is None:
                continue
            lbs, line2 = r
            if unwrap:
                label, conv = unwrap
                raw = lbs.lbs.get(label, "")
                if raw == "":
                    continue  # Loki skips a line without the label (grafana/loki#6713)
                value = 0.0
                try:
                    if conv in ("duration", "duration_seconds"):
                        value = go_parse_duration(raw)
                    elif conv == "bytes":
                        value = float(humanize_parse_bytes(raw))
                    else:
                        value = go_parse_float(raw)
                except ValueError:
                    lbs.set_err("SampleExtractionErr", "details")
                if not all(label_filter(p, lbs) for p in post):
                    continue
                out = dict(lbs.lbs)
                if lbs.has_err():
                    pass  # Loki keeps every label of a sample with an error, grouping or not
                elif grouping and grouping[0] == "by":
                    out = {k: v for k, v in out.items() if k in grouping[1]}
                else:
                    out.pop(label, None)
                    if grouping:
                        for k in grouping[1]:
                            out.pop(k, None)
            else:
                value = 1.0 if name in ("count_over_time", "rate", "absent_over_time") else float(
                    len(line2.encode()))
                out = lbs.lbs
            series.setdefault(key(out), []).append((ts, value))
    for v in series.values():
        v.sort()
    return series


def prom_quantile(q, values):
    if not values:
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    vs = sorted(values)
    rank = q * (len(vs) - 1)
    lower = max(0, int(math.floor(rank)))
    upper = min(len(vs) - 1, lower + 1)
    weight = rank - math.floor(rank)
    return vs[lower] * (1 - weight) + vs[upper] * weight


def loki_rate_counter(points, rng_ns):
    """Loki's rate_counter: Prometheus' extrapolated counter rate, except that Loki places the
    range at [first sample - range, last sample] rather than at the step's window (its
    extrapolatedRate is not given the step time), in milliseconds."""
    if len(points) < 2:
        return 0.0
    rng_ms = rng_ns // 10**6
    first_t, last_t = points[0][0] // 10**6, points[-1][0] // 10**6
    range_start, range_end = first_t - rng_ms, last_t
    result = points[-1][1] - points[0][1]
    last = 0.0
    for _, v in points:
        if v < last:
            result += last
        last = v
    to_start = (first_t - range_start) / 1000
    to_end = (range_end - last_t) / 1000
    sampled = (last_t - first_t) / 1000
    avg_between = sampled / (len(points) - 1)
    if result > 0 and points[0][1] >= 0:
        to_zero = sampled * (points[0][1] / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = avg_between * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg_between / 2
    interval += to_end if to_end < threshold else avg_between / 2
    return result * (interval / sampled) / (rng_ns / 1e9)


def range_value(name, param, points, t, rng_ns):
    vals = [v for _, v in points]
    secs = rng_ns / 1e9
    if name in ("count_over_time", "bytes_over_time", "sum_over_time"):
        return sum(vals)
    if name in ("rate", "bytes_rate"):
        return sum(vals) / secs
    if name == "avg_over_time":
        return sum(vals) / len(vals)
    if name == "min_over_time":
        return min(vals)
    if name == "max_over_time":
        return max(vals)
    if name == "first_over_time":
        return vals[0]
    if name == "last_over_time":
        return vals[-1]
    if name in ("stdvar_over_time", "stddev_over_time"):
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / len(vals)
        return var if name == "stdvar_over_time" else math.sqrt(var)
    if name == "quantile_over_time":
        return prom_quantile(param, vals)
    if name == "rate_counter":
        return loki_rate_counter(points, rng_ns)
    raise AssertionError(name)


class Evaluator:
    def __init__(self, streams, steps, tree):
        self.streams = streams
        self.steps = steps
        self.cache = {}
        self.hints = parser_hints(tree)

    def series(self, node):
        """Samples of a range aggregation, once per node."""
        ident = id(node)
        if ident not in self.cache:
            _, name, _, log, rng, offset, _ = node
            rng_ns, off_ns = int(round(rng * 1e9)), int(round(offset * 1e9))
            lo = self.steps[0] - off_ns - rng_ns
            hi = self.steps[-1] - off_ns
            s = samples_of(node, self.streams, lo, hi, self.hints.get(id(node)))
            for k, points in s.items():
                err = dict(k).get("__error__")
                if err and name != "absent_over_time":
                    if any(self._window(points, t, rng_ns, off_ns) for t in self.steps):
                        raise QueryError(err, "pipeline error: %r for series %r" % (err, k))
            self.cache[ident] = s
        return self.cache[ident]

    @staticmethod
    def _window(points, t, rng_ns, off_ns):
        end = t - off_ns
        lo = bisect.bisect_right(points, (end - rng_ns, math.inf))
        hi = bisect.bisect_right(points, (end, math.inf))
        return points[lo:hi]

    def eval(self, node, t):
        """A dict {labels-key: value} (instant vector) or a float (scalar)."""
        kind = node[0]
        if kind == "paren":
            return self.eval(node[1], t)
        if kind == "scalar":
            return node[1]
        if kind == "vector":
            return {(): node[1]}
        if kind == "range":
            _, name, param, log, rng, offset, _ = node
            rng_ns, off_ns = int(round(rng * 1e9)), int(round(offset * 1e9))
            out = {}
            for k, points in self.series(node).items():
                win = self._window(points, t, rng_ns, off_ns)
                if win:
                    out[k] = 1.0 if name == "absent_over_time" else range_value(
                        name, param, win, t - off_ns, rng_ns)
            if name == "absent_over_time":
                if out:
                    return {}
                labels = {}
                for m_name, op, v in log[1]:
                    if op == "=":
                        labels[m_name] = v
                return {key(labels): 1.0}
            return out
        if kind == "vagg":
            return self.vector_agg(node, t)
        if kind == "label_replace":
            _, inner, dst, repl, src, regex = node
            vec = self.eval(inner, t)
            out = {}
            for k, v in vec.items():
                labels = dict(k)
                m = regex.match(labels.get(src, ""))
                if m:
                    value = go_expand(repl, m)
                    if value:
                        labels[dst] = value
                    else:
                        labels.pop(dst, None)
                out[key(labels)] = v
            return out
        if kind == "binop":
            return self.binop(node, t)
        raise AssertionError(kind)

    def vector_agg(self, node, t):
        _, name, param, inner, grouping = node
        vec = self.eval(inner, t)
        if not isinstance(vec, dict):
            raise parse_error("aggregation over a scalar")
        if name in ("sort", "sort_desc"):
            return vec
        groups = {}
        for k, v in vec.items():
            labels = dict(k)
            if grouping is None:
                g = ()
            elif grouping[0] == "by":
                g = key({n: labels[n] for n in grouping[1] if n in labels})
            else:
                g = key({n: x for n, x in labels.items() if n not in grouping[1]})
            groups.setdefault(g, []).append((k, v))
        out = {}
        for g, members in groups.items():
            vals = [v for _, v in members]
            if name in ("topk", "bottomk"):
                ordered = sorted(members, key=lambda kv: kv[1], reverse=(name == "topk"))
                for k, v in ordered[:param]:
                    out[k] = v
                continue
            if name == "sum":
                out[g] = math.fsum(vals)
            elif name == "avg":
                out[g] = math.fsum(vals) / len(vals)
            elif name == "min":
                out[g] = min(vals)
            elif name == "max":
                out[g] = max(vals)
            elif name == "count":
                out[g] = float(len(vals))
            else:
                mean = math.fsum(vals) / len(vals)
                var = math.fsum((v - mean) ** 2 for v in vals) / len(vals)
                out[g] = var if name == "stdvar" else math.sqrt(var)
        return out

    def binop(self, node, t):
        _, op, lnode, rnode, mod = node
        lhs, rhs = self.eval(lnode, t), self.eval(rnode, t)
        if not isinstance(lhs, dict) and not isinstance(rhs, dict):
            if op in COMPARISON and not mod["bool"]:
                raise parse_error("comparisons between scalars must use bool")
            return arith(op, lhs, rhs) if op not in COMPARISON else float(compare(op, lhs, rhs))
        if op in ("and", "or", "unless"):
            if not isinstance(lhs, dict) or not isinstance(rhs, dict):
                raise parse_error("set operator with a scalar")
            return set_op(op, lhs, rhs, mod)
        if not isinstance(rhs, dict) or not isinstance(lhs, dict):
            swap = not isinstance(lhs, dict)
            vec, scalar = (rhs, lhs) if swap else (lhs, rhs)
            out = {}
            for k, v in vec.items():
                a, b = (scalar, v) if swap else (v, scalar)
                if op in COMPARISON:
                    hit = compare(op, a, b)
                    if mod["bool"]:
                        out[k] = 1.0 if hit else 0.0
                    elif hit:
                        out[k] = v
                else:
                    out[k] = arith(op, a, b)
            return out
        return vector_binop(op, lhs, rhs, mod)


def arith(op, a, b):
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        if op == "%":
            return math.fmod(a, b)
        if op == "^":
            return math.pow(a, b)
    except ZeroDivisionError:
        if op == "/":
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * (
                math.copysign(1, b))
        return math.nan
    except (OverflowError, ValueError):
        return math.nan
    raise AssertionError(op)


def compare(op, a, b):
    return {"==": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def signature(k, mod):
    labels = dict(k)
    if mod["on"] is not None:
        return key({n: labels[n] for n in mod["on"] if n in labels})
    ign = set(mod["ignoring"] or [])
    return key({n: v for n, v in labels.items() if n not in ign})


def set_op(op, lhs, rhs, mod):
    rsigs = {signature(k, mod) for k in rhs}
    if op == "and":
        return {k: v for k, v in lhs.items() if signature(k, mod) in rsigs}
    if op == "unless":
        return {k: v for k, v in lhs.items() if signature(k, mod) not in rsigs}
    lsigs = {signature(k, mod) for k in lhs}
    out = dict(lhs)
    for k, v in rhs.items():
        if signature(k, mod) not in lsigs:
            out[k] = v
    return out


def vector_binop(op, lhs, rhs, mod):
    group = mod["group"]
    if group == "group_right":
        many, one = rhs, lhs
    else:
        many, one = lhs, rhs
    one_by_sig = {}
    for k, v in one.items():
        s = signature(k, mod)
        if s in one_by_sig:
            raise QueryError("many-to-many matching not allowed",
                             "found duplicate series for the match group; many-to-many matching "
                             "not allowed")
        one_by_sig[s] = (k, v)
    out = {}
    seen = {}
    for k, v in many.items():
        s = signature(k, mod)
        if s not in one_by_sig:
            continue
        ok, ov = one_by_sig[s]
        lv, rv = (v, ov) if group != "group_right" else (ov, v)
        labels = dict(k)
        if group is None:
            if s in seen:
                raise QueryError("many-to-many matching not allowed",
                                 "many-to-one matching must be explicit (group_left/group_right)")
            seen[s] = True
            if mod["on"] is not None:
                labels = {n: x for n, x in labels.items() if n in mod["on"]}
            elif mod["ignoring"]:
                labels = {n: x for n, x in labels.items() if n not in mod["ignoring"]}
        else:
            olabels = dict(ok)
            for n in mod["include"]:
                if olabels.get(n):
                    labels[n] = olabels[n]
                else:
                    labels.pop(n, None)
        if op in COMPARISON:
            hit = compare(op, lv, rv)
            if mod["bool"]:
                value = 1.0 if hit else 0.0
            elif hit:
                value = lv
            else:
                continue
        else:
            value = arith(op, lv, rv)
        if key(labels) in out:
            raise QueryError("multiple matches for labels",
                             "multiple matches for labels: grouping labels must ensure unique "
                             "matches")
        out[key(labels)] = value
    return out


# ---------------------------------------------------------------------------------------------
# Entry point

def evaluate(query, streams, kind, start, end, step):
    """The expected answer to a query, in plain form:

    {"error": kind} | {"streams": {labels-key: [(ts_ns, line)]}}
    | {"matrix": {labels-key: [(t_ns, value)]}} | {"vector": [(labels-key, value)]}

    kind is "range" (query_range over [start, end] with step, all in ns) or "instant" (query at
    end).
    """
    try:
        node = parse(query)
        if node[0] == "log":
            if kind != "range":
                raise AssertionError("log queries are checked over query_range")
            return {"streams": run_log_query(node, streams, start, end + 1)}
        if kind == "instant":
            ev = Evaluator(streams, [end], node)
            vec = ev.eval(node, end)
            if not isinstance(vec, dict):
                return {"scalar": vec}
            items = list(vec.items())
            if node[0] == "vagg" and node[1] in ("sort", "sort_desc"):
                items.sort(key=lambda kv: kv[1], reverse=node[1] == "sort_desc")
            return {"vector": items, "ordered": node[0] == "vagg" and node[1] in ("sort",
                                                                                 "sort_desc")}
        steps = list(range(start, end + 1, step))
        ev = Evaluator(streams, steps, node)
        matrix = {}
        for t in steps:
            vec = ev.eval(node, t)
            if not isinstance(vec, dict):
                vec = {(): vec}
            for k, v in vec.items():
                matrix.setdefault(k, []).append((t, v))
        return {"matrix": matrix}
    except QueryError as e:
        return {"error": e.kind, "message": str(e)}
