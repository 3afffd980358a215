// Alerts: the firing and pending alerts (/api/v1/alerts) with their value, since when, the
// deploys correlated with them (the rule engine's deploy_* annotations, and the service's
// deploys in the 30 minutes before the onset), a link to the graph of the rule's expression at
// that moment; and the silences (Alertmanager's API v2), created, listed and expired here.
import { ApiError, call, promData } from '../api';
import { formatLabels, h } from '../dom';
import { Deploy, deploysIn } from '../queries';
import { formatAgo, formatTime, parseDuration } from '../time';
import { formatValue } from '../units';
import { navigate, routeHref } from '../url';

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
  value: string;
}

interface Silence {
  id: string;
  status: { state: string };
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual?: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

const CORRELATION_WINDOW = 1800;

interface RuleLink {
  query: string;
  anomaly: boolean;  // An `anomaly:` rule: its band is drawn around the curve.
}

function ruleQueries(groups: Array<{ rules: Array<{ name: string; query: string; type: string;
                                                    anomaly?: unknown }> }>) {
  const queries = new Map<string, RuleLink>();
  for (const g of groups) {
    for (const r of g.rules) {
      if (r.type === 'alerting') queries.set(r.name, { query: r.query, anomaly: !!r.anomaly });
    }
  }
  return queries;
}

// "alertname="X", service=~"a|b"" → Alertmanager matchers.
export function parseMatchers(text: string) {
  const out = [];
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ name: m[1], value: JSON.parse(`"${m[3]}"`), isRegex: m[2].includes('~'),
               isEqual: !m[2].startsWith('!') });
  }
  if (out.length === 0) {
    throw new Error('no matcher: write them as name="value", name=~"regex", separated by commas');
  }
  return out;
}

function matchersText(s: Silence): string {
  return s.matchers.map((m) => `${m.name}${m.isEqual === false ? '!' : ''}` +
    `${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`).join(', ');
}

export function renderAlerts(root: HTMLElement, params: URLSearchParams): () => void {
  let cancelled = false;
  const alertsEl = h('div', { class: 'alerts' }, 'loading…');
  const silencesEl = h('div', { class: 'silences' }, 'loading…');
  const form = silenceForm(params.get('silence') ?? '', () => void loadSilences());
  root.append(h('h2', {}, 'Firing and pending'), alertsEl,
              h('h2', {}, 'New silence'), form,
              h('h2', {}, 'Silences'), silencesEl);

  const loadAlerts = async () => {
    try {
      const [alerts, rules] = await Promise.all([
        promData<{ alerts: Alert[] }>('/api/v1/alerts', {}),
        promData<{ groups: any[] }>('/api/v1/rules', {}).catch(() => ({ groups: [] })),
      ]);
      if (cancelled) return;
      alertsEl.replaceChildren(await alertsTable(alerts.alerts, ruleQueries(rules.groups)));
    } catch (e) {
      if (!cancelled) alertsEl.replaceChildren(h('p', { class: 'error' }, (e as Error).message));
    }
  };
  const loadSilences = async () => {
    try {
      const silences = await call<Silence[]>('/api/v2/silences');
      if (cancelled) return;
      silencesEl.replaceChildren(silencesTable(silences, () => void loadSilences()));
    } catch (e) {
      if (!cancelled) silencesEl.replaceChildren(h('p', { class: 'error' }, (e as Error).message));
    }
  };
  void loadAlerts();
  void loadSilences();
  const refresh = setInterval(() => void loadAlerts(), 10_000);
  return () => { cancelled = true; clearInterval(refresh); };
}

async function correlatedDeploys(alert: Alert): Promise<Deploy[]> {
  const service = alert.labels.service ?? alert.labels.job;
  if (!service) return [];
  const onset = Date.parse(alert.activeAt) / 1000;
  return deploysIn({ start: onset - CORRELATION_WINDOW, end: onset, label: '' }, { service })
    .catch(() => []);
}

async function alertsTable(alerts: Alert[], queries: Map<string, RuleLink>): Promise<HTMLElement> {
  if (alerts.length === 0) return h('p', { class: 'muted' }, 'Nothing is firing or pending.');
  alerts.sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) ||
                        a.activeAt.localeCompare(b.activeAt));
  const deploys = await Promise.all(alerts.map(correlatedDeploys));
  const now = Date.now() / 1000;
  return h('table', { class: 'alert-table' },
    h('thead', {}, h('tr', {}, ...['State', 'Alert', 'Value', 'Since', 'Deploys before it', '']
      .map((t) => h('th', {}, t)))),
    h('tbody', {}, ...alerts.map((a, i) => {
      const onset = Date.parse(a.activeAt) / 1000;
      const { alertname, ...rest } = a.labels;
      const rule = queries.get(alertname);
      const graph = rule ? routeHref('explore', {
        query: rule.query, band: rule.anomaly ? alertname : undefined,
        from: String(Math.floor(onset - CORRELATION_WINDOW)),
        to: String(Math.ceil(Math.min(now, onset + CORRELATION_WINDOW))),
      }) : undefined;
      const silenceWith = Object.entries(a.labels).filter(([k]) => !k.startsWith('deploy_'))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
      return h('tr', { class: `alert state-row-${a.state}`, 'data-alertname': alertname },
        h('td', { class: `state-${a.state}` }, a.state),
        h('td', {}, h('b', {}, alertname), ' ', h('span', { class: 'mono muted' }, formatLabels(rest)),
          a.annotations.summary ? h('div', {}, a.annotations.summary) : null),
        h('td', { class: 'mono', title: a.value }, formatValue(parseFloat(a.value), '')),
        h('td', { title: formatTime(onset) }, formatAgo(onset, now), h('div', { class: 'muted' },
          formatTime(onset))),
        h('td', { class: 'deploys' }, ...(deploys[i].length ? deploys[i].map((d) =>
          h('div', { class: 'deploy' }, `${d.service} ${d.version ?? ''} `,
            h('code', {}, d.commit ?? ''), ` by ${d.author || '?'}, `,
            formatAgo(Date.parse(d.time) / 1000, onset).replace(' ago', ' before')))
          : a.annotations.deploy_commit ? [h('div', { class: 'deploy' },
            `${a.annotations.deploy_version ?? ''} `, h('code', {}, a.annotations.deploy_commit),
            ` by ${a.annotations.deploy_author ?? '?'}`)]
          : [h('span', { class: 'muted' }, 'none')])),
        h('td', {}, graph ? h('a', { href: graph }, 'graph') : null, ' ',
          h('button', { type: 'button', name: 'silence-alert',
                        onclick: () => navigate({ silence: silenceWith }) }, 'Silence…')));
    })));
}

function silenceForm(matchers: string, onCreated: () => void): HTMLElement {
  const matchersInput = h('input', { name: 'matchers', value: matchers, size: 60,
                                     placeholder: 'alertname="QueueStuck", service="worker"' });
  const duration = h('input', { name: 'duration', value: '2h', size: 6 });
  const author = h('input', { name: 'createdBy', value: localStorage.getItem('vigie.author') ?? '',
                              placeholder: 'your name' });
  const comment = h('input', { name: 'comment', size: 60, placeholder: 'why' });
  const message = h('div', { class: 'message' });
  const submit = async (e: Event) => {
    e.preventDefault();
    message.className = 'message';
    try {
      const seconds = parseDuration(duration.value.trim());
      if (!isFinite(seconds) || seconds <= 0) throw new Error(`not a duration: "${duration.value}" (2h, 30m, 1d)`);
      localStorage.setItem('vigie.author', author.value);
      const now = Date.now();
      const body = await call<{ silenceID: string }>('/api/v2/silences', { method: 'POST', body: {
        matchers: parseMatchers(matchersInput.value),
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + seconds * 1000).toISOString(),
        createdBy: author.value || 'web', comment: comment.value || 'silenced from the web UI',
      } });
      message.textContent = `silence ${body.silenceID} created`;
      navigate({ silence: undefined }, false);
      onCreated();
    } catch (err) {
      message.className = 'message error';
      message.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    }
  };
  return h('form', { class: 'silence', onsubmit: submit },
    h('label', {}, 'Matchers'), matchersInput,
    h('label', {}, 'For'), duration,
    h('label', {}, 'Created by'), author,
    h('label', {}, 'Comment'), comment,
    h('span', {}), h('div', {}, h('button', { class: 'primary', type: 'submit', name: 'create-silence' },
      'Create silence'), message));
}

function silencesTable(silences: Silence[], reload: () => void): HTMLElement {
  if (silences.length === 0) return h('p', { class: 'muted' }, 'No silences.');
  return h('table', { class: 'silence-table' },
    h('thead', {}, h('tr', {}, ...['State', 'Matchers', 'Until', 'By', 'Comment', '']
      .map((t) => h('th', {}, t)))),
    h('tbody', {}, ...silences.map((s) => h('tr', { class: `silence silence-${s.status.state}`,
                                                   'data-id': s.id },
      h('td', {}, s.status.state),
      h('td', { class: 'mono' }, matchersText(s)),
      h('td', {}, formatTime(Date.parse(s.endsAt) / 1000)),
      h('td', {}, s.createdBy), h('td', {}, s.comment),
      h('td', {}, s.status.state === 'expired' ? null : h('button', {
        type: 'button', name: 'expire',
        onclick: async () => {
          await call(`/api/v2/silence/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
          reload();
        } }, 'Expire'))))));
}
