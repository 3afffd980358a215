// The timeline of an incident: deploys, alerts (from the ALERTS series: when each began and
// ended firing) and silences over a period, filterable by service, exported as Markdown — the
// first page of a blameless post-mortem. State in the URL: range or from/to, service.
import { call } from '../api';
import { h } from '../dom';
import { Deploy, deployTime, deploysIn, rangeQuery } from '../queries';
import { rangePicker } from '../range_picker';
import { TimeRange, formatTime, rangeFromParams, stepFor } from '../time';
import { navigate } from '../url';

export interface TimelineEvent {
  time: number;
  kind: 'deploy' | 'alert firing' | 'alert resolved' | 'silence';
  service: string;
  text: string;
}

interface Silence {
  id: string;
  matchers: Array<{ name: string; value: string }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

async function alertEvents(range: TimeRange): Promise<TimelineEvent[]> {
  const step = stepFor(range, 2000);
  const series = await rangeQuery('ALERTS{alertstate="firing"}', 'promql', range, step)
    .catch(() => []);
  const events: TimelineEvent[] = [];
  for (const s of series) {
    const service = /service="([^"]*)"/.exec(s.label)?.[1] ?? /job="([^"]*)"/.exec(s.label)?.[1] ?? '';
    const name = /alertname="([^"]*)"/.exec(s.label)?.[1] ?? s.label;
    let previous = -Infinity;
    s.points.forEach(([t], i) => {
      if (t - previous > step * 1.5) {
        events.push({ time: t, kind: 'alert firing', service, text: `${name} ${s.label}` });
      }
      const next = s.points[i + 1]?.[0];
      if ((next === undefined && t < range.end - step * 1.5) || (next !== undefined && next - t > step * 1.5)) {
        events.push({ time: t + step, kind: 'alert resolved', service, text: name });
      }
      previous = t;
    });
  }
  return events;
}

function deployEvent(d: Deploy): TimelineEvent {
  return { time: deployTime(d), kind: 'deploy', service: d.service,
           text: [d.version && `version ${d.version}`, d.commit && `commit ${d.commit}`,
                  d.author && `by ${d.author}`, d.environment && `to ${d.environment}`,
                  d.description].filter(Boolean).join(', ') };
}

function silenceEvents(silences: Silence[], range: TimeRange): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const s of silences) {
    const start = Date.parse(s.startsAt) / 1000;
    if (start < range.start || start > range.end) continue;
    const matchers = s.matchers.map((m) => `${m.name}="${m.value}"`).join(', ');
    out.push({ time: start, kind: 'silence',
               service: s.matchers.find((m) => m.name === 'service')?.value ?? '',
               text: `${matchers} until ${formatTime(Date.parse(s.endsAt) / 1000)} by ` +
                 `${s.createdBy}: ${s.comment}` });
  }
  return out;
}

export function timelineMarkdown(events: TimelineEvent[], range: TimeRange,
                                 service: string): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  return [
    `## Timeline${service ? ` of ${service}` : ''}`,
    '',
    `${formatTime(range.start)} to ${formatTime(range.end)} (times in ` +
      `${Intl.DateTimeFormat().resolvedOptions().timeZone})`,
    '',
    '| Time | Event | Service | Details |',
    '| --- | --- | --- | --- |',
    ...events.map((e) => `| ${formatTime(e.time)} | ${e.kind} | ${escape(e.service)} | ` +
      `${escape(e.text)} |`),
    '',
  ].join('\n');
}

export function renderTimeline(root: HTMLElement, params: URLSearchParams): () => void {
  let cancelled = false;
  const range = rangeFromParams(params, '24h');
  const service = params.get('service') ?? '';
  const serviceInput = h('input', { name: 'service', value: service, placeholder: 'service',
                                    size: 14 });
  serviceInput.addEventListener('change', () => navigate({ service: serviceInput.value.trim() }));
  const table = h('div', { class: 'timeline' }, 'loading…');
  const markdown = h('textarea', { name: 'markdown', rows: 12, readonly: true,
                                   class: 'mono', style: 'width:100%' });
  root.append(h('div', { class: 'toolbar' }, serviceInput, rangePicker(params, '24h'),
    h('button', { type: 'button', name: 'copy-markdown', onclick: () => {
      void navigator.clipboard?.writeText(markdown.value);
    } }, 'Copy Markdown')), table, h('h2', {}, 'Markdown'), markdown);
  Promise.all([
    deploysIn(range, service ? { service } : {}),
    alertEvents(range),
    call<Silence[]>('/api/v2/silences').catch(() => [] as Silence[]),
  ]).then(([deploys, alerts, silences]) => {
    if (cancelled) return;
    const events = [...deploys.map(deployEvent), ...alerts, ...silenceEvents(silences, range)]
      .filter((e) => !service || e.service === service)
      .sort((a, b) => a.time - b.time);
    table.replaceChildren(events.length === 0 ? h('p', { class: 'muted' }, 'Nothing happened.')
      : h('table', {}, h('thead', {}, h('tr', {}, ...['Time', 'Event', 'Service', 'Details']
          .map((t) => h('th', {}, t)))),
        h('tbody', {}, ...events.map((e) => h('tr', { class: `event event-${e.kind.replace(' ', '-')}` },
          h('td', {}, formatTime(e.time)), h('td', {}, e.kind), h('td', {}, e.service),
          h('td', {}, e.text))))));
    markdown.value = timelineMarkdown(events, range, service);
  }).catch((e: Error) => {
    if (!cancelled) table.replaceChildren(h('p', { class: 'error' }, e.message));
  });
  return () => { cancelled = true; };
}
