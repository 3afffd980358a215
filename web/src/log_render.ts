// Rendering log lines: timestamp, labels as chips (a click refines the query), and the text
// with the query's matches and the highlight rules marked.
import { h } from './dom';

export interface LogEntry {
  ns: string;  // Nanoseconds since the epoch, as Loki sends them.
  line: string;
  labels: Record<string, string>;
}

export interface Highlighter {
  regex: RegExp;  // With the g flag.
  color?: string;  // Absent: the theme's mark colour.
}

// A JavaScript regex for an RE2 pattern as people write them; a leading (?i) becomes the i flag.
// Null when the browser cannot compile it.
export function compileRegex(pattern: string): RegExp | null {
  let flags = 'g';
  let source = pattern;
  if (source.startsWith('(?i)')) { flags += 'i'; source = source.slice(4); }
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The positive line filters of a LogQL query (|= "text", |~ "regex"), to highlight what matched.
export function queryHighlighters(query: string): Highlighter[] {
  const out: Highlighter[] = [];
  const re = /\|([=~])\s*("(?:[^"\\]|\\.)*"|`[^`]*`)/g;
  for (let m = re.exec(query); m; m = re.exec(query)) {
    let text: string;
    try {
      text = m[2].startsWith('`') ? m[2].slice(1, -1) : JSON.parse(m[2]);
    } catch {
      continue;
    }
    if (!text) continue;
    const regex = m[1] === '=' ? new RegExp(escapeRegex(text), 'g') : compileRegex(text);
    if (regex) out.push({ regex });
  }
  return out;
}

// `line` as text nodes and <mark>s: the earliest match wins where two overlap.
export function markedText(line: string, highlighters: Highlighter[]): Node[] {
  const spans: Array<{ start: number; end: number; color?: string }> = [];
  for (const hl of highlighters) {
    hl.regex.lastIndex = 0;
    for (let m = hl.regex.exec(line); m; m = hl.regex.exec(line)) {
      if (m[0].length === 0) { hl.regex.lastIndex++; continue; }
      spans.push({ start: m.index, end: m.index + m[0].length, color: hl.color });
      if (spans.length > 200) break;
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const nodes: Node[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    if (s.start > at) nodes.push(document.createTextNode(line.slice(at, s.start)));
    const mark = h('mark', {}, line.slice(s.start, s.end));
    if (s.color) mark.style.background = s.color;
    nodes.push(mark);
    at = s.end;
  }
  if (at < line.length) nodes.push(document.createTextNode(line.slice(at)));
  return nodes;
}

function timeOf(ns: string): string {
  const ms = Number(ns.slice(0, -6) || '0');
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:` +
    `${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const rowEntries = new WeakMap<Element, LogEntry>();

// One line's row: time, label chips, text with its matches marked. Its clicks are handled by
// the list's one listener (listenToRows), not one per row: a live list adds thousands of rows.
export function logRow(entry: LogEntry, highlighters: Highlighter[],
                       withContext = false): HTMLElement {
  const chips = Object.keys(entry.labels).sort().map((k) =>
    h('button', { class: 'chip', type: 'button', title: 'add to the query', 'data-name': k,
                  'data-value': entry.labels[k] }, `${k}=${entry.labels[k]}`));
  const row = h('div', { class: 'log-line mono' },
    h('span', { class: withContext ? 'ts clickable' : 'ts',
                title: withContext ? 'lines around this one' : undefined }, timeOf(entry.ns)),
    h('span', { class: 'labels' }, ...chips),
    h('span', { class: 'text' }, ...markedText(entry.line, highlighters)));
  rowEntries.set(row, entry);
  return row;
}

// Handles the clicks on the rows of `list`: a label chip calls `onLabel` (the query is refined
// with name="value"); a clickable time, `onContext` (the lines around it in its stream).
export function listenToRows(list: HTMLElement, onLabel: (name: string, value: string) => void,
                             onContext?: (entry: LogEntry, row: HTMLElement) => void): void {
  list.addEventListener('click', (event) => {
    const target = event.target as Element;
    const chip = target.closest<HTMLElement>('.chip');
    if (chip?.dataset.name !== undefined) {
      onLabel(chip.dataset.name, chip.dataset.value ?? '');
      return;
    }
    const row = target.closest<HTMLElement>('.log-line');
    const entry = row && rowEntries.get(row);
    if (onContext && entry && target.closest('.ts.clickable')) onContext(entry, row);
  });
}

// `query` with name="value" added to its stream selector (replacing the label's matcher).
export function refineQuery(query: string, name: string, value: string): string {
  const matcher = `${name}=${JSON.stringify(value)}`;
  const open = query.indexOf('{');
  const close = query.indexOf('}', open);
  if (open < 0 || close < 0) return `{${matcher}}`;
  const inside = query.slice(open + 1, close).split(',').map((s) => s.trim())
    .filter((s) => s && !new RegExp(`^${name}\\s*(=|!=|=~|!~)`).test(s));
  return `${query.slice(0, open)}{${[...inside, matcher].join(', ')}}${query.slice(close + 1)}`;
}
