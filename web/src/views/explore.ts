// Explore: a PromQL or LogQL-metric query graphed over a time range, with the deploys and alert
// onsets in that range drawn on it, and the anomaly band of an `anomaly:` rule around its curve
// (`band`: the rule's alert name). State in the URL: query, lang (auto when absent), range or
// from/to, unit, band.
import { ApiError } from '../api';
import { Chart, drawChart } from '../chart';
import { h } from '../dom';
import { Language, anomalyBand, detectLanguage, markersFor, rangeQuery } from '../queries';
import { queryBox } from '../query_box';
import { rangePicker } from '../range_picker';
import { rangeFromParams, stepFor } from '../time';
import { UNITS } from '../units';
import { navigate } from '../url';

export function renderExplore(root: HTMLElement, params: URLSearchParams): () => void {
  const language = (): Language => {
    const chosen = params.get('lang');
    return chosen === 'promql' || chosen === 'logql' ? chosen : detectLanguage(box.value());
  };
  const box = queryBox({
    name: 'query', language,
    placeholder: 'PromQL (rate(http_requests_total[5m])) or LogQL metric ' +
      '(sum by (level) (count_over_time({app="front"}[1m])))',
    onRun: () => navigate({ query: box.value() }),
  });
  box.setValue(params.get('query') ?? '');
  const lang = h('select', { name: 'lang', 'aria-label': 'language' },
    ...[['', 'auto'], ['promql', 'PromQL'], ['logql', 'LogQL']].map(([v, label]) =>
      h('option', { value: v, selected: (params.get('lang') ?? '') === v }, label)));
  lang.addEventListener('change', () => navigate({ lang: lang.value }, false));
  const unit = h('select', { name: 'unit', 'aria-label': 'unit' },
    ...Object.entries(UNITS).map(([v, label]) =>
      h('option', { value: v, selected: (params.get('unit') ?? '') === v }, label)));
  unit.addEventListener('change', () => navigate({ unit: unit.value }, false));
  const status = h('div', { class: 'muted status' });
  const chartEl = h('div', { class: 'graph' });
  root.append(
    h('div', { class: 'toolbar' }, box.element, lang, unit, rangePicker(params),
      h('button', { class: 'primary', name: 'run', onclick: () => navigate({ query: box.value() }) },
        'Run')),
    status, chartEl);

  let chart: Chart | null = null;
  let cancelled = false;
  const query = params.get('query');
  if (query) {
    const range = rangeFromParams(params);
    const step = stepFor(range);
    status.textContent = 'running…';
    const started = performance.now();
    const band = params.get('band');
    Promise.all([rangeQuery(query, language(), range, step), markersFor(query, range, step),
                 band ? anomalyBand(band, range, step) : Promise.resolve([])])
      .then(([series, markers, edges]) => {
        if (cancelled) return;
        chart = drawChart(chartEl, [...series, ...edges], markers, {
          range, step, unit: params.get('unit') ?? '',
          onZoom: (from, to) => navigate({ from: String(from), to: String(to), range: undefined }),
        });
        status.textContent = `${series.length} series, ${markers.length} events, step ${step}s, ` +
          `${Math.round(performance.now() - started)} ms`;
        chartEl.dataset.ready = 'true';
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        status.textContent = '';
        box.showError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
      });
  } else {
    status.textContent = 'Type a query and press Enter. Drag across the graph to zoom.';
  }
  return () => { cancelled = true; chart?.destroy(); };
}
