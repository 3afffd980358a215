// vigie's web UI: a header with the views and the theme toggle, and the view named by the URL's
// fragment (url.ts), rendered again whenever the fragment changes.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { forgetToken, token } from './api';
import { h } from './dom';
import { currentRoute, routeHref } from './url';
import { renderAlerts } from './views/alerts';
import { renderDashboards } from './views/dashboards';
import { renderDeploys } from './views/deploys';
import { renderExplore } from './views/explore';
import { renderLogs } from './views/logs';
import { renderOverview } from './views/overview';
import { renderTimeline } from './views/timeline';

type View = (root: HTMLElement, params: URLSearchParams) => () => void;

const VIEWS: Array<[string, string, View]> = [
  ['overview', 'Overview', renderOverview],
  ['dashboards', 'Dashboards', renderDashboards],
  ['explore', 'Explore', renderExplore],
  ['logs', 'Logs', renderLogs],
  ['alerts', 'Alerts', renderAlerts],
  ['deploys', 'Deploys', renderDeploys],
  ['timeline', 'Timeline', renderTimeline],
];

const THEME_KEY = 'vigie.theme';

function applyTheme(theme: string | null): void {
  if (theme === 'light' || theme === 'dark') {
    document.documentElement.dataset.theme = theme;
  } else {
    delete document.documentElement.dataset.theme;
  }
}

function isDark(): boolean {
  const chosen = document.documentElement.dataset.theme;
  return chosen ? chosen === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
}

let teardown: (() => void) | null = null;

function render(nav: HTMLElement, main: HTMLElement): void {
  teardown?.();
  const { view, params } = currentRoute();
  const entry = VIEWS.find(([name]) => name === view) ?? VIEWS[0];
  for (const a of nav.querySelectorAll('a')) {
    a.classList.toggle('active', a.dataset.view === entry[0]);
  }
  document.title = `vigie · ${entry[1]}`;
  main.replaceChildren();
  main.dataset.view = entry[0];
  teardown = entry[2](main, params);
}

function start(): void {
  applyTheme(localStorage.getItem(THEME_KEY));
  const nav = h('nav', {}, ...VIEWS.map(([name, label]) =>
    h('a', { href: routeHref(name), 'data-view': name }, label)));
  const main = h('main', {});
  const themeButton = h('button', { type: 'button', name: 'theme', title: 'Light or dark' },
                        isDark() ? 'Light' : 'Dark');
  themeButton.addEventListener('click', () => {
    const next = isDark() ? 'light' : 'dark';
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    themeButton.textContent = isDark() ? 'Light' : 'Dark';
    render(nav, main);  // Charts read their colours when drawn.
  });
  const signOut = h('button', { type: 'button', name: 'forget-token', hidden: !token(),
                                onclick: () => { forgetToken(); location.reload(); } },
                    'Forget token');
  document.body.append(
    h('header', { class: 'nav' }, h('span', { class: 'brand' }, 'vigie'), nav,
      h('span', { class: 'spacer' }), signOut, themeButton),
    main);
  window.addEventListener('hashchange', () => {
    signOut.hidden = !token();
    render(nav, main);
  });
  render(nav, main);
}

start();
