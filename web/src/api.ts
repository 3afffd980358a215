// Calls to vigied's HTTP API. With tokens on (docs/http-api.md, "Authentication"), the first
// answer 401 opens a dialog asking for a token, kept in sessionStorage (gone when the tab
// closes) and sent as "Authorization: Bearer <token>"; the call is then retried.
import { h } from './dom';

const TOKEN_KEY = 'vigie.token';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

let pendingToken: Promise<void> | null = null;

// Shows the token dialog (once, however many calls are waiting) and resolves when one is set.
export function askToken(reason: string): Promise<void> {
  if (pendingToken) return pendingToken;
  pendingToken = new Promise<void>((resolve) => {
    const input = h('input', { type: 'password', name: 'token', autocomplete: 'off',
                               placeholder: 'token', 'aria-label': 'token' });
    const dialog = h('dialog', { class: 'token-dialog' },
      h('form', { method: 'dialog' },
        h('h2', {}, 'vigied needs a token'),
        h('p', { class: 'muted' }, reason,
          ' It is kept in this tab only (sessionStorage).'),
        input,
        h('button', { class: 'primary', type: 'submit' }, 'Use this token')));
    dialog.addEventListener('close', () => {
      if (input.value.trim()) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      dialog.remove();
      pendingToken = null;
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pendingToken;
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

// The error message of an answer: Prometheus's envelope, Alertmanager's JSON string, or text.
async function errorMessage(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text);
    if (typeof body === 'string') return body;
    return body.error ?? body.message ?? text;
  } catch {
    return text || res.statusText;
  }
}

// Calls `path` and answers its JSON body. 401 asks for a token and tries again (twice at
// most); any other error throws ApiError with the server's message.
export async function call<T = any>(path: string, init: {
  method?: string; params?: Record<string, string | number | undefined>; body?: unknown;
} = {}): Promise<T> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(init.params ?? {})) {
    if (v !== undefined) search.set(k, String(v));
  }
  const url = path + (search.toString() ? '?' + search : '');
  for (let attempt = 0; ; ++attempt) {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: headers(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (res.status === 401 && attempt < 2) {
      const message = await errorMessage(res);
      forgetToken();
      await askToken(attempt === 0 ? '' : `That token was refused: ${message}.`);
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
    const text = await res.text();
    return (text ? JSON.parse(text) : null) as T;
  }
}

// Prometheus's envelope: {"status":"success","data":...}.
export async function promData<T = any>(path: string,
                                        params: Record<string, string | number | undefined>) {
  const body = await call<{ data: T }>(path, { params });
  return body.data;
}

// The URL of the live tail for `query`: a one-use ticket from POST /api/v1/tail/ticket stands
// for the token, which a browser's WebSocket cannot send as a header (docs/web.md).
export async function tailUrl(params: Record<string, string>): Promise<string> {
  const ticket = await call<{ data: { ticket: string } }>('/api/v1/tail/ticket',
                                                           { method: 'POST' });
  const search = new URLSearchParams({ ...params, ticket: ticket.data.ticket });
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/loki/api/v1/tail?${search}`;
}
