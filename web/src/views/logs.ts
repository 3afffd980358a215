// Logs, the Supergrep view: a LogQL search over a time range, newest first, with the matched
// part highlighted and labels as chips that refine the query; or live (`live=1`), following
// the WebSocket tail through client-side rules, with pause and resume, a cap on the lines kept
// (`cap`, default 2000) and the rate of lines per second. Rows are added once per animation
// frame, in one batch, and the list never holds more than the cap: it keeps up with thousands
// of lines per second.
import { ApiError, call, tailUrl } from '../api';
import { append, h } from '../dom';
import { LogEntry, listenToRows, logRow, queryHighlighters, refineQuery } from '../log_render';
import { Rule, RuleKind, RuleSet, encodeRules, parseRules } from '../live_rules';
import { queryBox } from '../query_box';
import { rangePicker } from '../range_picker';
import { rangeFromParams } from '../time';
import { navigate } from '../url';

const DEFAULT_CAP = 2000;
const FRAME_BUDGET_MS = 8;
const ROWS_PER_CHECK = 50;
// The status line is redrawn at most this often while lines pour in (and every second by the
// rate's ticker).
const STATUS_INTERVAL_MS = 250;

interface LokiStream {
  stream: Record<string, string>;
  values: Array<[string, string]>;
}

function entriesOf(streams: LokiStream[]): LogEntry[] {
  const out: LogEntry[] = [];
  for (const s of streams) for (const [ns, line] of s.values) out.push({ ns, line, labels: s.stream });
  return out;
}

const CONTEXT_LINES = 10;

// The stream selector of exactly `labels`.
function selectorOf(labels: Record<string, string>): string {
  return `{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ')}}`;
}

// Shows (or hides, on a second click) the CONTEXT_LINES lines before and after `entry` in its
// stream, whatever the query's filters, in a block under its row.
async function toggleContext(entry: LogEntry, row: HTMLElement): Promise<void> {
  const next = row.nextElementSibling;
  if (next?.classList.contains('context')) { next.remove(); return; }
  const block = h('div', { class: 'context' }, 'loading…');
  row.after(block);
  const seconds = (ns: string) => `${ns.slice(0, -9) || '0'}.${ns.slice(-9).padStart(9, '0')}`;
  const around = (direction: string) => call<{ data: { result: LokiStream[] } }>(
    '/loki/api/v1/query_range', { params: {
      query: selectorOf(entry.labels), limit: CONTEXT_LINES + 1, direction,
      ...(direction === 'backward'
        ? { end: seconds(entry.ns), start: String(Number(seconds(entry.ns)) - 86400) }
        : { start: seconds(entry.ns), end: String(Number(seconds(entry.ns)) + 86400) }) } });
  try {
    const [before, after] = await Promise.all([around('backward'), around('forward')]);
    const lines = [...entriesOf(after.data.result), ...entriesOf(before.data.result)]
      .filter((e) => !(e.ns === entry.ns && e.line === entry.line)).sort(newestFirst);
    const newer = lines.filter((e) => newestFirst(e, entry) < 0).slice(-CONTEXT_LINES);
    const older = lines.filter((e) => newestFirst(e, entry) >= 0).slice(0, CONTEXT_LINES);
    const plain = (e: LogEntry) => h('div', { class: 'log-line mono' },
      h('span', { class: 'text' }, e.line));
    block.replaceChildren(...newer.map(plain),
      h('div', { class: 'log-line mono context-entry' }, h('span', { class: 'text' }, entry.line)),
      ...older.map(plain));
  } catch (e) {
    block.replaceChildren(h('span', { class: 'error' }, (e as Error).message));
  }
}

// Newest first, comparing nanosecond strings as numbers (they exceed a double's precision).
function newestFirst(a: LogEntry, b: LogEntry): number {
  return b.ns.length - a.ns.length || (b.ns < a.ns ? -1 : b.ns > a.ns ? 1 : 0);
}

export function renderLogs(root: HTMLElement, params: URLSearchParams): () => void {
  const live = params.get('live') === '1';
  const cap = Math.max(10, Number(params.get('cap')) || DEFAULT_CAP);
  const rules = parseRules(params.get('rules'));
  const ruleSet = new RuleSet(rules);
  const query = params.get('query') ?? '';
  const highlighters = [...queryHighlighters(query), ...ruleSet.highlighters];
  const refine = (name: string, value: string) =>
    navigate({ query: refineQuery(query || '{}', name, value) });

  const box = queryBox({ name: 'query', language: () => 'logql',
                         placeholder: '{service="api"} |= "timeout" != "healthcheck"',
                         onRun: () => navigate({ query: box.value() }) });
  box.setValue(query);
  const list = h('div', { class: 'logs', role: 'log' });
  listenToRows(list, refine, live ? undefined : toggleContext);
  const status = h('div', { class: 'status-bar' });
  const pauseButton = h('button', { type: 'button', name: 'pause' }, 'Pause');
  root.append(
    h('div', { class: 'toolbar' }, box.element,
      live ? null : rangePicker(params),
      h('button', { class: 'primary', name: 'run', onclick: () => navigate({ query: box.value() }) },
        live ? 'Follow' : 'Search'),
      h('button', { type: 'button', name: 'live',
                    onclick: () => navigate({ live: live ? undefined : '1' }) },
        live ? 'Stop live' : 'Live'),
      live ? pauseButton : null),
    rulesBar(rules, cap),
    status, list);

  if (!query) {
    status.textContent = 'Type a log query ({service="api"} |= "error") and press Enter.';
    return () => {};
  }
  if (!live) {
    const range = rangeFromParams(params);
    status.textContent = 'searching…';
    let cancelled = false;
    call<{ data: { result: LokiStream[] } }>('/loki/api/v1/query_range', {
      params: { query, start: range.start.toFixed(3), end: range.end.toFixed(3), limit: 1000,
                direction: 'backward' },
    }).then((body) => {
      if (cancelled) return;
      const entries = entriesOf(body.data.result).sort(newestFirst);
      const shown = entries.filter((e) => ruleSet.shows(e.line));
      list.replaceChildren(...shown.map((e) => logRow(e, highlighters, true)));
      status.textContent = `${entries.length} lines${entries.length === 1000 ? ' (the newest 1000)' : ''}` +
        `${shown.length < entries.length ? `, ${shown.length} shown by the rules` : ''}, ${range.label}`;
    }).catch((e: unknown) => {
      if (cancelled) return;
      status.textContent = '';
      box.showError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    });
    return () => { cancelled = true; };
  }
  return followLive(query, cap, ruleSet, highlighters, list, status, pauseButton, box);
}

// The rules' bar: each rule with a button removing it, and a form adding one.
function rulesBar(rules: Rule[], cap: number): HTMLElement {
  const kind = h('select', { name: 'rule-kind', 'aria-label': 'rule kind' },
    h('option', { value: 'include' }, 'include'), h('option', { value: 'exclude' }, 'exclude'),
    h('option', { value: 'highlight' }, 'highlight'));
  const pattern = h('input', { name: 'rule-pattern', placeholder: 'regex',
                               'aria-label': 'rule pattern', size: 24 });
  const color = h('input', { type: 'color', name: 'rule-color', value: '#ffd33d',
                             'aria-label': 'highlight colour' });
  const error = h('span', { class: 'error' });
  const add = (e: Event) => {
    e.preventDefault();
    try {
      new RegExp(pattern.value.replace(/^\(\?i\)/, ''));
    } catch (err) {
      error.textContent = `not a regex: ${(err as Error).message}`;
      return;
    }
    if (!pattern.value) return;
    const rule: Rule = { kind: kind.value as RuleKind, pattern: pattern.value,
                         ...(kind.value === 'highlight' ? { color: color.value } : {}) };
    navigate({ rules: encodeRules([...rules, rule]) }, false);
  };
  const capInput = h('input', { type: 'number', name: 'cap', min: 10, value: cap, size: 6,
                                'aria-label': 'lines kept' });
  capInput.addEventListener('change', () => navigate({ cap: capInput.value }, false));
  return h('div', { class: 'rules' },
    ...rules.map((r, i) => h('span', { class: `rule rule-${r.kind}`, 'data-kind': r.kind },
      r.color ? h('span', { style: `background:${r.color};width:10px;height:10px;` +
                                   'display:inline-block;border-radius:2px' }) : null,
      `${r.kind} /${r.pattern}/`,
      h('button', { type: 'button', title: 'remove', 'aria-label': `remove rule ${i + 1}`,
                    onclick: () => navigate({ rules: encodeRules(rules.filter((_, j) => j !== i)) },
                                            false) }, '×'))),
    h('form', { class: 'rule-form', onsubmit: add }, kind, pattern, color,
      h('button', { type: 'submit', name: 'add-rule' }, 'Add rule')),
    h('label', { class: 'muted' }, 'keep ', capInput, ' lines'),
    error);
}

function followLive(query: string, cap: number, ruleSet: RuleSet,
                    highlighters: ReturnType<typeof queryHighlighters>,
                    list: HTMLElement,
                    status: HTMLElement, pauseButton: HTMLButtonElement,
                    box: ReturnType<typeof queryBox>): () => void {
  let incoming: LogEntry[] = [];  // Arrived since the last frame (or while paused).
  let paused = false;
  let droppedWhilePaused = 0;
  let droppedByServer = 0;
  let received = 0;
  let shownRows = 0;
  let rate = 0;
  let lastCount = 0;
  let lastTick = performance.now();
  let socket: WebSocket | null = null;
  let stopped = false;
  let frame = 0;
  let state = 'connecting';

  let statusShown = 0;
  let statusTimer = 0;
  const updateStatus = () => {
    statusShown = performance.now();
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = 0;
    status.classList.toggle('paused', paused);
    status.replaceChildren();
    append(status,
      h('span', { class: 'live-state' }, h('span', { class: 'live-dot' }),
        paused ? 'paused' : state),
      h('span', { class: 'rate' }, `${rate.toFixed(0)} lines/s`),
      h('span', { class: 'kept' }, `${shownRows} shown (keeping ${cap})`),
      paused ? h('span', { class: 'waiting' }, `${incoming.length} waiting`) : null,
      droppedWhilePaused ? h('span', {}, `${droppedWhilePaused} dropped while paused (cap)`) : null,
      droppedByServer ? h('span', { class: 'error' },
                          `${droppedByServer} dropped by the server (too slow)`) : null);
  };

  // Adds what arrived to the top of the list, newest first, oldest arrivals first and within
  // FRAME_BUDGET_MS (the rest waits for the next frame, so that a burst spreads over frames
  // instead of freezing one), then trims the list to the cap.
  const flush = () => {
    frame = 0;
    if (paused || incoming.length === 0) return;
    if (incoming.length > cap) incoming = incoming.slice(-cap);  // Older ones would be trimmed.
    const started = performance.now();
    let taken = 0;
    while (taken < incoming.length && performance.now() - started < FRAME_BUDGET_MS) {
      const chunk = incoming.slice(taken, taken + ROWS_PER_CHECK);
      taken += chunk.length;
      const fragment = document.createDocumentFragment();
      for (let i = chunk.length - 1; i >= 0; --i) {
        if (!ruleSet.shows(chunk[i].line)) continue;
        fragment.append(logRow(chunk[i], highlighters));
        ++shownRows;
      }
      list.prepend(fragment);
    }
    incoming = incoming.slice(taken);
    while (shownRows > cap && list.lastChild) {
      list.lastChild.remove();
      --shownRows;
    }
    refreshStatusSoon();
    if (incoming.length > 0) schedule();
  };
  const schedule = () => {
    if (!frame && !paused) frame = requestAnimationFrame(flush);
  };
  // Redraws the status now, or, when it was drawn less than STATUS_INTERVAL_MS ago, once that
  // time is up: a refresh is deferred, never dropped, so the count always catches up with the
  // rows shown.
  const refreshStatusSoon = () => {
    const wait = STATUS_INTERVAL_MS - (performance.now() - statusShown);
    if (wait <= 0) updateStatus();
    else if (!statusTimer) statusTimer = window.setTimeout(updateStatus, wait);
  };

  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      droppedWhilePaused = 0;
      schedule();
    }
    updateStatus();
  });

  const connect = async () => {
    try {
      const url = await tailUrl({ query, limit: '100' });
      if (stopped) return;
      socket = new WebSocket(url);
    } catch (e) {
      state = 'disconnected';
      box.showError(e instanceof Error ? e.message : String(e));
      updateStatus();
      return;
    }
    socket.onopen = () => { state = 'live'; updateStatus(); };
    socket.onmessage = (event) => {
      const frameBody = JSON.parse(event.data as string);
      const entries = entriesOf(frameBody.streams ?? []);
      entries.sort((a, b) => -newestFirst(a, b));
      received += entries.length;
      droppedByServer += frameBody.dropped_count ?? 0;
      incoming.push(...entries);
      if (incoming.length > 2 * cap) {
        if (paused) droppedWhilePaused += incoming.length - cap;
        incoming = incoming.slice(-cap);
      }
      schedule();
    };
    socket.onclose = (event) => {
      if (stopped) return;
      state = event.code === 1000 || event.code === 1001 ? 'closed by the server, reconnecting'
        : 'disconnected, reconnecting';
      updateStatus();
      setTimeout(() => { if (!stopped) void connect(); }, 1000);
    };
  };
  void connect();
  const ticker = setInterval(() => {
    const now = performance.now();
    rate = (received - lastCount) / ((now - lastTick) / 1000);
    lastCount = received;
    lastTick = now;
    updateStatus();
  }, 1000);
  updateStatus();
  return () => {
    stopped = true;
    clearInterval(ticker);
    clearTimeout(statusTimer);
    if (frame) cancelAnimationFrame(frame);
    socket?.close();
  };
}
