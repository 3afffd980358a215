// Units of a graph's values (the URL's `unit`), for its axis and legend.

export const UNITS: Record<string, string> = {
  '': 'no unit', short: 'short (k, M)', bytes: 'bytes', s: 'seconds', ms: 'milliseconds',
  percent: 'percent (0-100)', ratio: 'ratio (0-1 as %)', reqps: 'per second',
};

function scaled(v: number, base: number, suffixes: string[]): string {
  let i = 0;
  let x = Math.abs(v);
  while (x >= base && i < suffixes.length - 1) { x /= base; ++i; }
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return `${v < 0 ? '-' : ''}${+x.toFixed(digits)}${suffixes[i]}`;
}

export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'short': return scaled(v, 1000, ['', 'k', 'M', 'G', 'T', 'P']);
    case 'bytes': return scaled(v, 1024, [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB']);
    case 's': return Math.abs(v) < 1 && v !== 0 ? `${+(v * 1000).toFixed(1)} ms`
      : `${+v.toFixed(2)} s`;
    case 'ms': return `${+v.toFixed(1)} ms`;
    case 'percent': return `${+v.toFixed(1)}%`;
    case 'ratio': return `${+(v * 100).toFixed(1)}%`;
    case 'reqps': return `${scaled(v, 1000, ['', 'k', 'M', 'G'])}/s`;
    default: return String(+v.toPrecision(6));
  }
}
