// The query box of Explore and Logs: a textarea that runs on Enter (Shift+Enter: a new line),
// completes metric names, label names and label values from the HTTP API, LogQL's stages after
// a `|` (and the labels its parsers extract), label names in by (...) and without (...) (Tab or
// Enter picks, arrows move, Escape closes), and shows a syntax error under the position it names.
import { h } from './dom';
import { Language, errorPosition, extractedLabels, labelNames, labelValues } from './queries';

const PROMQL_FUNCTIONS = ['rate', 'irate', 'increase', 'delta', 'deriv', 'sum', 'avg', 'min',
  'max', 'count', 'topk', 'bottomk', 'quantile', 'histogram_quantile', 'avg_over_time',
  'sum_over_time', 'min_over_time', 'max_over_time', 'count_over_time', 'last_over_time',
  'abs', 'ceil', 'floor', 'round', 'clamp_min', 'clamp_max', 'label_replace', 'absent'];
const LOGQL_FUNCTIONS = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum',
  'avg', 'min', 'max', 'count', 'topk'];

export interface QueryBox {
  element: HTMLElement;
  value(): string;
  setValue(text: string): void;
  showError(message: string | null): void;
}

// LogQL's pipeline stages, offered after a `|` outside a selector and a string.
const LOGQL_STAGES = ['json', 'logfmt', 'pattern', 'regexp', 'unpack', 'line_format',
  'label_format', 'drop', 'keep', 'decolorize', 'unwrap'];
const LOGQL_PARSER = /\|\s*(json|logfmt|pattern|regexp|unpack)\b/;

// What to complete at the cursor: a label value (after name=" inside braces), a label name
// (inside braces: `label`, which picking completes with `="`; inside by (...), without (...),
// on (...), ignoring (...): `grouping`, the name alone), a LogQL stage after `|` (`stage`, with
// the labels the pipeline's parsers extract once there is one: `pipeline` is the log query
// before that `|`), or a metric or function name (an identifier outside braces).
interface Context {
  kind: 'value' | 'label' | 'grouping' | 'stage' | 'metric';
  prefix: string;
  label?: string;
  pipeline?: string;
}

// The offsets in `text` that are inside a "string", a `raw string` or a 'string'.
function quotedOffsets(text: string): boolean[] {
  const inside: boolean[] = [];
  let quote = '';
  let escaped = false;
  for (let i = 0; i < text.length; ++i) {  // UTF-16 offsets, as selectionStart counts.
    const c = text[i];
    inside.push(quote !== '');
    if (escaped) escaped = false;
    else if (quote && c === '\\' && quote !== '`') escaped = true;
    else if (quote && c === quote) quote = '';
    else if (!quote && (c === '"' || c === '`' || c === "'")) quote = c;
  }
  inside.push(quote !== '');  // The offset just after the text: the cursor's.
  return inside;
}

function contextAt(text: string, cursor: number, language: Language): Context | null {
  const before = text.slice(0, cursor);
  const quoted = quotedOffsets(before);
  const open = before.lastIndexOf('{');
  const inBraces = open > before.lastIndexOf('}') && !quoted[open];
  if (inBraces) {
    const value = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)$/.exec(before);
    if (value) return { kind: 'value', label: value[1], prefix: value[3] };
    const label = /(?:^|[{,\s])([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(before.slice(open));
    if (label && !/"[^"]*$/.test(before.slice(open))) {
      return { kind: 'label', prefix: label[1] ?? '' };
    }
    return null;
  }
  if (quoted[before.length]) return null;
  const grouping =
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*?)([a-zA-Z_][a-zA-Z0-9_]*)?$/
      .exec(before);
  if (grouping && /(^|[,\s])$/.test(grouping[1])) {
    return { kind: 'grouping', prefix: grouping[2] ?? '' };
  }
  const stage = /\|\s*([a-zA-Z_]*)$/.exec(before);
  if (language === 'logql' && stage) {
    return { kind: 'stage', prefix: stage[1],
             pipeline: logQueryBefore(before, stage.index, quoted) };
  }
  const word = /([a-zA-Z_:][a-zA-Z0-9_:]*)$/.exec(before);
  return word ? { kind: 'metric', prefix: word[1] } : null;
}

// The log query (selector and stages) that ends at `end` in `text`: from the last stream
// selector that opens outside a string.
function logQueryBefore(text: string, end: number, quoted: boolean[]): string {
  let start = 0;
  for (const m of text.slice(0, end).matchAll(/(^|[(\s,])\{/g)) {
    const at = m.index + m[1].length;
    if (!quoted[at]) start = at;
  }
  return text.slice(start, end).trim();
}

export function queryBox(opts: { language: () => Language; placeholder: string;
                                 onRun: () => void; name: string }): QueryBox {
  const input = h('textarea', { rows: 1, spellcheck: false, name: opts.name,
                                placeholder: opts.placeholder, 'aria-label': 'query' });
  const list = h('ul', { class: 'completions', hidden: true, role: 'listbox' });
  const error = h('div', { class: 'syntax-error error mono', hidden: true });
  const element = h('div', { class: 'query-box' }, input, list, error);
  const cache = new Map<string, Promise<string[]>>();
  let items: string[] = [];
  let selected = 0;
  let context: Context | null = null;
  let generation = 0;

  const cached = (key: string, load: () => Promise<string[]>) => {
    if (!cache.has(key)) cache.set(key, load().catch(() => []));
    return cache.get(key)!;
  };
  const candidates = async (c: Context): Promise<string[]> => {
    const language = opts.language();
    if (c.kind === 'value') return cached(`${language}/v/${c.label}`,
                                          () => labelValues(language, c.label!));
    if (c.kind === 'label' || c.kind === 'grouping') {
      return cached(`${language}/l`, () => labelNames(language));
    }
    if (c.kind === 'stage') {
      const pipeline = c.pipeline ?? '';
      if (!LOGQL_PARSER.test(pipeline)) return LOGQL_STAGES;
      const extracted = await cached(`logql/f/${pipeline}`, () => extractedLabels(pipeline));
      return [...LOGQL_STAGES, ...extracted];
    }
    const functions = language === 'logql' ? LOGQL_FUNCTIONS : PROMQL_FUNCTIONS;
    if (language === 'logql') return functions;
    const metrics = await cached('promql/metrics', () => labelValues('promql', '__name__'));
    return [...metrics, ...functions];
  };
  const close = () => { list.hidden = true; items = []; };
  const render = () => {
    list.replaceChildren(...items.map((item, i) => {
      const li = h('li', { role: 'option', class: i === selected ? 'selected' : '' }, item);
      li.addEventListener('mousedown', (e) => { e.preventDefault(); accept(i); });
      return li;
    }));
    list.hidden = items.length === 0;
    (list.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
  };
  const accept = (i: number) => {
    if (!context || !items[i]) return;
    const cursor = input.selectionStart ?? input.value.length;
    const start = cursor - context.prefix.length;
    let insert = items[i];
    if (context.kind === 'value') insert += '"';
    if (context.kind === 'label') insert += '="';
    input.value = input.value.slice(0, start) + insert + input.value.slice(cursor);
    input.selectionStart = input.selectionEnd = start + insert.length;
    close();
    void update();
  };
  const update = async () => {
    const mine = ++generation;
    const cursor = input.selectionStart ?? input.value.length;
    context = contextAt(input.value, cursor, opts.language());
    if (!context || (context.kind === 'metric' && context.prefix.length === 0)) return close();
    const all = await candidates(context);
    if (mine !== generation) return;
    // A metric name, stage or grouping label typed whole is not offered again; a selector
    // label's name or value is, so that picking it adds what follows (=" or the closing quote).
    const prefix = context.prefix.toLowerCase();
    const whole = ['metric', 'stage', 'grouping'].includes(context.kind);
    const offered = (c: string) => !whole || c !== context!.prefix;
    items = all.filter((c) => c.toLowerCase().startsWith(prefix) && offered(c)).slice(0, 50);
    if (items.length === 0) {
      items = all.filter((c) => c.toLowerCase().includes(prefix) && offered(c)).slice(0, 50);
    }
    selected = 0;
    render();
  };

  input.addEventListener('input', () => {
    input.rows = Math.min(8, input.value.split('\n').length);
    void update();
  });
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (e) => {
    if (!list.hidden && items.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        selected = (selected + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        render();
        e.preventDefault();
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey)) {
        accept(selected);
        e.preventDefault();
        return;
      }
      if (e.key === 'Escape') { close(); e.preventDefault(); return; }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      close();
      opts.onRun();
    }
  });

  return {
    element,
    value: () => input.value.trim(),
    setValue: (text) => {
      input.value = text;
      input.rows = Math.min(8, text.split('\n').length);
    },
    showError: (message) => {
      error.hidden = !message;
      if (!message) return;
      const at = errorPosition(message);
      if (at) {
        const line = input.value.split('\n')[at.line - 1] ?? '';
        error.textContent = `${line}\n${' '.repeat(Math.max(0, at.col - 1))}^\n${message}`;
      } else {
        error.textContent = message;
      }
    },
  };
}
