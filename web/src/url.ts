// Every view's state lives in the URL's fragment, "#/<view>?<params>", so that a link pasted in
// chat opens the same view. Views read their parameters with params() and change them with
// navigate(), which pushes a history entry (Back undoes a zoom) or replaces the current one.

export interface Route {
  view: string;
  params: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const question = hash.indexOf('?');
  const view = (question < 0 ? hash : hash.slice(0, question)) || 'overview';
  const params = new URLSearchParams(question < 0 ? '' : hash.slice(question + 1));
  return { view, params };
}

export function routeHref(view: string, params: Record<string, string | undefined> |
                          URLSearchParams = {}): string {
  const search = params instanceof URLSearchParams ? new URLSearchParams(params)
    : new URLSearchParams();
  if (!(params instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== '') search.set(k, v);
    }
  }
  const query = search.toString();
  return `#/${view}${query ? '?' + query : ''}`;
}

// Changes the current view's parameters (undefined or '' removes one). With `push`, a new
// history entry; otherwise the current one is replaced. Fires the router's update either way.
export function navigate(changes: Record<string, string | undefined>, push = true): void {
  const { view, params } = currentRoute();
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') params.delete(k); else params.set(k, v);
  }
  const href = routeHref(view, params);
  if (href === location.hash) return;
  if (push) {
    location.hash = href;
  } else {
    history.replaceState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  }
}
