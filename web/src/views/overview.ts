// The overview ("/"): what is firing, the latest deploys, and the default dashboard ("service",
// or the URL's `dashboard`) over the last hour, each linking to its details.
import { promData } from '../api';
import { formatLabels, h } from '../dom';
import { deploysIn } from '../queries';
import { formatAgo } from '../time';
import { routeHref } from '../url';
import { renderDashboards } from './dashboards';
import { deploysTable } from './deploys';

interface Alert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
  value: string;
}

export function renderOverview(root: HTMLElement, params: URLSearchParams): () => void {
  let cancelled = false;
  const firing = h('div', { class: 'overview-alerts' }, 'loading…');
  const deploys = h('div', { class: 'overview-deploys' }, 'loading…');
  const dashboard = h('div', { class: 'overview-dashboard' });
  root.append(h('h2', {}, h('a', { href: routeHref('alerts') }, 'Firing')), firing,
              h('h2', {}, h('a', { href: routeHref('deploys') }, 'Latest deploys')), deploys,
              dashboard);
  const dashboardParams = new URLSearchParams(params);
  dashboardParams.set('name', params.get('dashboard') ?? 'service');
  if (!params.has('from')) dashboardParams.set('range', params.get('range') ?? '1h');
  const closeDashboard = renderDashboards(dashboard, dashboardParams);
  promData<{ alerts: Alert[] }>('/api/v1/alerts', {}).then((data) => {
    if (cancelled) return;
    const alerts = data.alerts.filter((a) => a.state === 'firing');
    firing.replaceChildren(alerts.length === 0
      ? h('p', { class: 'muted' }, 'Nothing is firing.')
      : h('ul', {}, ...alerts.map((a) => {
        const { alertname, ...rest } = a.labels;
        return h('li', { class: 'state-firing' }, h('b', {}, alertname), ' ',
          h('span', { class: 'mono' }, formatLabels(rest)), ` = ${a.value}, since `,
          formatAgo(Date.parse(a.activeAt) / 1000));
      })));
  }).catch((e: Error) => { if (!cancelled) firing.replaceChildren(h('p', { class: 'error' }, e.message)); });
  const now = Date.now() / 1000;
  deploysIn({ start: now - 30 * 86400, end: now, label: '' }, { limit: '10' }).then((list) => {
    if (!cancelled) deploys.replaceChildren(deploysTable(list));
  }).catch((e: Error) => { if (!cancelled) deploys.replaceChildren(h('p', { class: 'error' }, e.message)); });
  return () => { cancelled = true; closeDashboard(); };
}
