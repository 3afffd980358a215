// Metric queries for graphs: PromQL through /api/v1/query_range, LogQL metric queries
// (count_over_time({...}[1m]) ...) through /loki/api/v1/query_range; and the events drawn on
// graphs (deploys, alert onsets).
import { call, promData } from './api';
import { ChartSeries, Marker } from './chart';
import { formatLabels } from './dom';
import { TimeRange, formatTime } from './time';

export type Language = 'promql' | 'logql';

// LogQL when the query has a stream selector not preceded by a metric name ("{app="x"}" at the
// start, or after "(", "," or a space), as in count_over_time({app="x"}[1m]); PromQL otherwise.
export function detectLanguage(query: string): Language {
  return /(^|[(\s,])\{/.test(query.trim()) ? 'logql' : 'promql';
}

interface MatrixEntry {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

// A series without labels (sum(rate(x[5m])), count_over_time(...)) is named `unnamed` (the
// query, or the panel's title) rather than an empty `{}`.
export async function rangeQuery(query: string, language: Language, range: TimeRange,
                                 step: number, unnamed = query): Promise<ChartSeries[]> {
  const path = language === 'logql' ? '/loki/api/v1/query_range' : '/api/v1/query_range';
  const data = await promData<{ resultType: string; result: MatrixEntry[] }>(path, {
    query, start: range.start.toFixed(3), end: range.end.toFixed(3), step: `${step}s`,
  });
  if (data.resultType !== 'matrix') {
    throw new Error(`the query answers a ${data.resultType}, not values over time: ` +
                    'a log query needs a metric function such as count_over_time');
  }
  return data.result.map((r) => ({
    label: Object.keys(r.metric).length ? formatLabels(r.metric, true) : unnamed,
    points: r.values.map(([t, v]) => [Number(t), parseFloat(v)] as [number, number]),
  }));
}

// The anomaly band of the `anomaly:` rule `alertname` (the vigie_anomaly_lower and _upper series
// its evaluations write, docs/alerts.md), as band edges paired by their labels.
export async function anomalyBand(alertname: string, range: TimeRange, step: number):
    Promise<ChartSeries[]> {
  const edges = await Promise.all((['lower', 'upper'] as const).map(async (edge) => {
    const series = await rangeQuery(
      `vigie_anomaly_${edge}{alertname=${JSON.stringify(alertname)}}`, 'promql', range, step);
    return series.map((s) => {
      const key = s.label.replace(/^vigie_anomaly_\w+/, '');  // The same for both edges.
      return { ...s, label: `band ${edge} ${key}`, band: { edge, key } };
    });
  }));
  return edges.flat();
}

export interface Deploy {
  id: string;
  service: string;
  environment?: string;
  version?: string;
  commit?: string;
  author?: string;
  description?: string;
  url?: string;
  time: string;
  end?: string;
}

export function deployTime(d: Deploy): number {
  return Date.parse(d.time) / 1000;
}

export async function deploysIn(range: TimeRange,
                                filters: Record<string, string> = {}): Promise<Deploy[]> {
  return promData<Deploy[]>('/api/v1/deploys', {
    start: range.start.toFixed(3), end: range.end.toFixed(3), ...filters,
  });
}

export function deployMarker(d: Deploy): Marker {
  return {
    time: deployTime(d),
    kind: 'deploy',
    title: `deploy ${d.service}${d.version ? ' ' + d.version : ''}`,
    details: [
      `commit ${d.commit || '-'}`,
      `author ${d.author || '-'}`,
      ...(d.environment ? [`environment ${d.environment}`] : []),
      ...(d.description ? [d.description] : []),
      formatTime(deployTime(d)),
    ],
  };
}

// Where the query names one service (service="front"), the deploys drawn are that service's.
export function serviceOf(query: string): string | undefined {
  return /\bservice\s*=\s*"([^"]*)"/.exec(query)?.[1];
}

// Alert onsets in the range: the times where a firing ALERTS series begins (its first point,
// or the first after a gap).
export async function alertOnsets(range: TimeRange, step: number): Promise<Marker[]> {
  const series = await rangeQuery('ALERTS{alertstate="firing"}', 'promql', range, step);
  const markers: Marker[] = [];
  for (const s of series) {
    let previous = -Infinity;
    for (const [t] of s.points) {
      if (t - previous > step * 1.5) {
        markers.push({ time: t, kind: 'alert', title: `alert ${s.label}`,
                       details: [`firing from ${formatTime(t)}`] });
      }
      previous = t;
    }
  }
  return markers;
}

// Deploys and alert onsets for a graph of `query`; an events query that fails leaves the graph
// without those lines rather than failing it.
export async function markersFor(query: string, range: TimeRange, step: number):
    Promise<Marker[]> {
  const service = serviceOf(query);
  const [deploys, alerts] = await Promise.all([
    deploysIn(range, service ? { service } : {}).catch(() => [] as Deploy[]),
    alertOnsets(range, step).catch(() => [] as Marker[]),
  ]);
  return [...deploys.map(deployMarker), ...alerts];
}

// "parse error at line 1, col 6: ..." → where to put the caret.
export function errorPosition(message: string): { line: number; col: number } | null {
  const m = /line (\d+), col (\d+)/.exec(message);
  return m ? { line: Number(m[1]), col: Number(m[2]) } : null;
}

export async function labelNames(language: Language): Promise<string[]> {
  return language === 'logql'
    ? (await call<{ data: string[] }>('/loki/api/v1/labels')).data ?? []
    : promData<string[]>('/api/v1/labels', {});
}

// The values of label `name`; with `selector`, only those of the series or streams it selects.
export async function labelValues(language: Language, name: string,
                                  selector = ''): Promise<string[]> {
  const path = language === 'logql' ? '/loki/api/v1/label/' : '/api/v1/label/';
  const params = !selector ? {} : language === 'logql' ? { query: selector }
    : { 'match[]': selector };
  return (await call<{ data: string[] }>(`${path}${encodeURIComponent(name)}/values`,
                                         { params })).data ?? [];
}

// The labels a log query's parsers extract from its recent lines (/loki/api/v1/detected_fields
// over the last hour), for label filters after a parser stage.
export async function extractedLabels(logQuery: string): Promise<string[]> {
  const body = await call<{ fields?: Array<{ label: string }> }>(
    '/loki/api/v1/detected_fields', { params: { query: logQuery } });
  return (body.fields ?? []).map((f) => f.label);
}
