// The query box of Explore and Logs: a textarea that runs on Enter (Shift+Enter: a new line),
// completes metric names, label names and label values from the HTTP API (Tab or Enter picks,
// arrows move, Escape closes), and shows a syntax error under the position it names.
import { h } from './dom';
import { Language, errorPosition, labelNames, labelValues } from './queries';

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

// What to complete at the cursor: a label value (after name=" inside braces), a label name
// (inside braces), or a metric or function name (an identifier outside braces).
interface Context {
  kind: 'value' | 'label' | 'metric';
  prefix: string;
  label?: string;
}

function contextAt(text: string, cursor: number): Context | null {
  const before = text.slice(0, cursor);
  const open = before.lastIndexOf('{');
  const inBraces = open > before.lastIndexOf('}');
  if (inBraces) {
    const value = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)$/.exec(before);
    if (value) return { kind: 'value', label: value[1], prefix: value[3] };
    const label = /(?:^|[{,\s])([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(before.slice(open));
    if (label && !/"[^"]*$/.test(before.slice(open))) {
      return { kind: 'label', prefix: label[1] ?? '' };
    }
    return null;
  }
  const word = /([a-zA-Z_:][a-zA-Z0-9_:]*)$/.exec(before);
  return word ? { kind: 'metric', prefix: word[1] } : null;
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
    if (c.kind === 'label') return cached(`${language}/l`, () => labelNames(language));
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
    context = contextAt(input.value, cursor);
    if (!context || (context.kind === 'metric' && context.prefix.length === 0)) return close();
    const all = await candidates(context);
    if (mine !== generation) return;
    // A metric name typed whole is not offered again; a label's name or value is, so that
    // picking it adds what follows (=" or the closing quote).
    const prefix = context.prefix.toLowerCase();
    const offered = (c: string) => context!.kind !== 'metric' || c !== context!.prefix;
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
