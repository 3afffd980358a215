// Deploys: what is deployed where now (the newest deploy of each service and environment) and
// the history, filterable by service and environment (the URL's `service`, `environment`,
// `range`), each linking to the graphs around it.
import { h } from '../dom';
import { Deploy, deployTime, deploysIn } from '../queries';
import { rangePicker } from '../range_picker';
import { formatAgo, formatTime, rangeFromParams } from '../time';
import { navigate, routeHref } from '../url';

// The service's log volume around the deploy (30 minutes each side), with the deploy drawn.
export function deployLink(d: Deploy): string {
  const t = deployTime(d);
  return routeHref('explore', {
    query: `sum by (level) (count_over_time({service=${JSON.stringify(d.service)}}[1m]))`,
    from: String(Math.floor(t - 1800)), to: String(Math.ceil(t + 1800)),
  });
}

export function deploysTable(deploys: Deploy[]): HTMLElement {
  if (deploys.length === 0) return h('p', { class: 'muted' }, 'No deploys in this range.');
  const now = Date.now() / 1000;
  return h('table', { class: 'deploy-table' },
    h('thead', {}, h('tr', {}, ...['When', 'Service', 'Environment', 'Version', 'Commit', 'Author',
      'Description', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...deploys.map((d) => h('tr', { class: 'deploy', 'data-id': d.id },
      h('td', { title: formatTime(deployTime(d)) }, formatAgo(deployTime(d), now)),
      h('td', {}, d.service), h('td', {}, d.environment ?? ''), h('td', {}, d.version ?? ''),
      h('td', {}, h('code', {}, d.commit ?? '')), h('td', {}, d.author ?? ''),
      h('td', {}, d.url ? h('a', { href: d.url, rel: 'noreferrer' }, d.description || d.url)
        : d.description ?? ''),
      h('td', {}, h('a', { href: deployLink(d) }, 'graphs'))))));
}

export function renderDeploys(root: HTMLElement, params: URLSearchParams): () => void {
  let cancelled = false;
  const filter = (name: string) => {
    const input = h('input', { name, value: params.get(name) ?? '', placeholder: name, size: 14 });
    input.addEventListener('change', () => navigate({ [name]: input.value.trim() }));
    return input;
  };
  const now = h('div', {}, 'loading…');
  const history = h('div', {}, 'loading…');
  root.append(h('div', { class: 'toolbar' }, filter('service'), filter('environment'),
                rangePicker(params, '7d')),
              h('h2', {}, 'Deployed now'), now, h('h2', {}, 'History'), history);
  const filters: Record<string, string> = {};
  for (const k of ['service', 'environment']) if (params.get(k)) filters[k] = params.get(k)!;
  deploysIn(rangeFromParams(params, '7d'), filters).then((deploys) => {
    if (cancelled) return;
    const latest = new Map<string, Deploy>();
    for (const d of deploys) {  // Newest first: the first of each pair is what runs now.
      const key = `${d.service}\u0000${d.environment ?? ''}`;
      if (!latest.has(key)) latest.set(key, d);
    }
    now.replaceChildren(deploysTable([...latest.values()]));
    history.replaceChildren(deploysTable(deploys));
  }).catch((e: Error) => {
    if (cancelled) return;
    now.replaceChildren();
    history.replaceChildren(h('p', { class: 'error' }, e.message));
  });
  return () => { cancelled = true; };
}
