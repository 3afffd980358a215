// Dashboards (docs/web.md, "Dashboards"): the list (/api/v1/dashboards), and one dashboard
// (`name`) with its variables (`var-<name>` in the URL, chosen among the label's values), its
// panels on a 12-column grid, each a graph with the deploys and alert onsets drawn on it and
// its thresholds as dashed lines. State in the URL: name, var-*, range or from/to.
import { call, promData } from '../api';
import { Chart, ChartSeries, drawChart } from '../chart';
import { h } from '../dom';
import { Language, detectLanguage, labelValues, markersFor, rangeQuery } from '../queries';
import { rangePicker } from '../range_picker';
import { TimeRange, rangeFromParams, stepFor } from '../time';
import { navigate, routeHref } from '../url';

interface Variable {
  name: string;
  label: string;
  source: 'metrics' | 'logs';
  match: string;  // A selector limiting the values offered; "" for all.
  default: string;
}

interface Panel {
  title: string;
  query: string;
  lang: string;
  unit: string;
  width: number;
  height: number;
  thresholds: Array<{ value: number; color: string }>;
}

interface Dashboard {
  name: string;
  title: string;
  description: string;
  variables: Variable[];
  panels: Panel[];
}

// `query` with $name and ${name} replaced by the variables' values.
export function substitute(query: string, values: Record<string, string>): string {
  return query.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) =>
    values[braced ?? bare] ?? whole);
}

export function renderDashboards(root: HTMLElement, params: URLSearchParams): () => void {
  const name = params.get('name');
  let cancelled = false;
  const charts: Chart[] = [];
  if (!name) {
    const list = h('div', {}, 'loading…');
    root.append(h('h2', {}, 'Dashboards'), list);
    promData<Array<{ name: string; title?: string; description?: string; source: string;
                     error?: string }>>('/api/v1/dashboards', {}).then((items) => {
      if (cancelled) return;
      list.replaceChildren(h('table', { class: 'dashboard-list' }, h('tbody', {},
        ...items.map((d) => h('tr', {},
          h('td', {}, h('a', { href: routeHref('dashboards', { name: d.name }) }, d.title ?? d.name)),
          h('td', { class: d.error ? 'error' : 'muted' }, d.error ?? d.description ?? ''),
          h('td', { class: 'muted' }, d.source))))));
    }).catch((e: Error) => { if (!cancelled) list.replaceChildren(h('p', { class: 'error' }, e.message)); });
    return () => { cancelled = true; };
  }
  const header = h('div', { class: 'toolbar' });
  const grid = h('div', { class: 'dashboard-grid' });
  root.append(header, grid);
  call<{ data: Dashboard }>(`/api/v1/dashboards/${encodeURIComponent(name)}`).then(async (body) => {
    const dashboard = body.data;
    const range = rangeFromParams(params);
    const values: Record<string, string> = {};
    const selects = await Promise.all(dashboard.variables.map(async (v) => {
      const language = v.source === 'logs' ? 'logql' : 'promql';
      const options = await labelValues(language, v.label, v.match)
        .catch(() => [] as string[]);
      const chosen = params.get(`var-${v.name}`) ??
        (options.includes(v.default) || !options.length ? v.default : options[0]);
      values[v.name] = chosen;
      const select = h('select', { name: `var-${v.name}`, 'aria-label': v.name },
        ...[...new Set([chosen, ...options])].filter((o) => o !== '' || !options.length)
          .map((o) => h('option', { value: o, selected: o === chosen }, o)));
      select.addEventListener('change', () => navigate({ [`var-${v.name}`]: select.value }));
      return h('label', {}, `${v.name} `, select);
    }));
    if (cancelled) return;
    document.title = `vigie · ${dashboard.title}`;
    header.append(h('b', { class: 'dashboard-title' }, dashboard.title), ...selects,
                  rangePicker(params));
    for (const panel of dashboard.panels) {
      const chartEl = h('div', { class: 'graph' });
      const status = h('div', { class: 'muted panel-status' });
      const query = substitute(panel.query, values);
      const card = h('div', { class: 'card panel', style: `grid-column: span ${panel.width}`,
                              'data-title': panel.title },
        h('div', { class: 'panel-title' }, h('a', { href: routeHref('explore', {
          query, unit: panel.unit, ...rangeParams(params) }) }, panel.title)),
        status, chartEl);
      grid.append(card);
      void drawPanel(panel, query, range, chartEl, status).then((chart) => {
        if (chart && cancelled) chart.destroy(); else if (chart) charts.push(chart);
      });
    }
  }).catch((e: Error) => {
    if (!cancelled) grid.replaceChildren(h('p', { class: 'error' }, e.message));
  });
  return () => { cancelled = true; for (const c of charts) c.destroy(); };
}

function rangeParams(params: URLSearchParams): Record<string, string | undefined> {
  return { range: params.get('range') ?? undefined, from: params.get('from') ?? undefined,
           to: params.get('to') ?? undefined };
}

async function drawPanel(panel: Panel, query: string, range: TimeRange, chartEl: HTMLElement,
                         status: HTMLElement): Promise<Chart | null> {
  const language: Language = panel.lang === 'promql' || panel.lang === 'logql' ? panel.lang
    : detectLanguage(query);
  const step = stepFor(range, 300);
  try {
    const [series, markers] = await Promise.all([
      rangeQuery(query, language, range, step, panel.title), markersFor(query, range, step)]);
    const thresholds: ChartSeries[] = panel.thresholds.map((t) => ({
      label: `threshold ${t.value}`, points: [[range.start, t.value], [range.end, t.value]],
      color: t.color, dash: [6, 4] }));
    const chart = drawChart(chartEl, [...series, ...thresholds], markers, {
      range, step, unit: panel.unit, height: panel.height,
      onZoom: (from, to) => navigate({ from: String(from), to: String(to), range: undefined }),
    });
    status.textContent = series.length ? '' : 'no data';
    chartEl.dataset.ready = 'true';
    chartEl.dataset.series = String(series.length);
    return chart;
  } catch (e) {
    status.classList.add('error');
    status.textContent = (e as Error).message;
    chartEl.dataset.ready = 'error';
    return null;
  }
}
