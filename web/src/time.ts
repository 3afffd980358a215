// Time ranges as the URL keeps them: `range=1h` (the last hour, moving with now) or `from` and
// `to` (Unix seconds, fixed: a zoom, a link to the moment of an alert).

export const RANGES = ['15m', '1h', '3h', '6h', '12h', '24h', '2d', '7d', '30d'];

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

// Seconds in a duration such as "15m", "1h30m", "7d"; NaN when it is not one.
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)([smhdw])/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index !== consumed) return NaN;
    total += parseFloat(m[1]) * UNIT_SECONDS[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : NaN;
}

export interface TimeRange {
  start: number;  // Unix seconds.
  end: number;
  label: string;  // "last 1h" or the dates.
}

export function rangeFromParams(params: URLSearchParams, fallback = '1h'): TimeRange {
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  if (params.get('from') && params.get('to') && isFinite(from) && isFinite(to) && from < to) {
    return { start: from, end: to, label: `${formatTime(from)} to ${formatTime(to)}` };
  }
  const range = params.get('range') ?? fallback;
  const seconds = parseDuration(range);
  const end = Date.now() / 1000;
  const span = isFinite(seconds) && seconds > 0 ? seconds : parseDuration(fallback);
  return { start: end - span, end, label: `last ${range}` };
}

// A step that gives about `points` points over the range, rounded to a whole second.
export function stepFor(range: TimeRange, points = 600): number {
  return Math.max(1, Math.ceil((range.end - range.start) / points));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// "2026-12-07 09:41:05" in the browser's time zone.
export function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "4m ago", "2h 5m ago".
export function formatAgo(seconds: number, now = Date.now() / 1000): string {
  let s = Math.max(0, Math.round(now - seconds));
  if (s < 60) return `${s}s ago`;
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60);
  return `${d ? d + 'd ' : ''}${h ? h + 'h ' : ''}${!d && m ? m + 'm ' : ''}`.trim() + ' ago';
}
