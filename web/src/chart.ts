// A time-series graph (uPlot) with events drawn on it: deploys and alert onsets as vertical
// lines whose hover shows what they are. Dragging across the graph selects a range to zoom to
// (the caller navigates, so that Back undoes it); the legend toggles series on click.
import uPlot from 'uplot';
import { h } from './dom';
import { TimeRange } from './time';
import { formatValue } from './units';

export interface Marker {
  time: number;  // Unix seconds.
  kind: 'deploy' | 'alert';
  title: string;
  details: string[];
}

export interface ChartSeries {
  label: string;
  points: Array<[number, number]>;  // [Unix seconds, value].
  color?: string;  // Default: the palette's.
  dash?: number[];  // A dashed line (a threshold).
  // An edge of an anomaly band: the upper and lower edges of one key are filled between.
  band?: { edge: 'lower' | 'upper'; key: string };
}

// uPlot's bands (1-based series indexes) for the series' band edges, upper first.
function bandsOf(series: ChartSeries[]): uPlot.Band[] {
  const bands: uPlot.Band[] = [];
  series.forEach((upper, i) => {
    if (upper.band?.edge !== 'upper') return;
    const j = series.findIndex((s) => s.band?.edge === 'lower' && s.band.key === upper.band!.key);
    if (j >= 0) bands.push({ series: [i + 1, j + 1], fill: 'rgba(130, 80, 223, 0.15)' });
  });
  return bands;
}

export interface ChartOptions {
  range: TimeRange;
  step: number;
  unit: string;
  height?: number;
  onZoom?: (from: number, to: number) => void;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f', '#bcbd22', '#17becf'];

// The evaluation times of a range query (start, start + step, ... <= end), as the server's.
function stepTimes(range: TimeRange, step: number): number[] {
  const times: number[] = [];
  for (let t = range.start; t <= range.end + 1e-9; t += step) times.push(t);
  return times;
}

// Columns for uPlot: the step grid merged with every point's own time (a raw matrix or a
// LogQL answer may not sit on the grid), nulls where a series has no point.
function align(series: ChartSeries[], range: TimeRange, step: number): uPlot.AlignedData {
  const all = new Set<number>();
  for (const s of series) for (const [t] of s.points) all.add(Math.round(t * 1000) / 1000);
  if (all.size === 0) for (const t of stepTimes(range, step)) all.add(t);
  const xs = [...all].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const columns: Array<Array<number | null>> = series.map(() => new Array(xs.length).fill(null));
  series.forEach((s, i) => {
    for (const [t, v] of s.points) columns[i][index.get(Math.round(t * 1000) / 1000)!] = v;
  });
  return [xs, ...columns] as uPlot.AlignedData;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export interface Chart {
  plot: uPlot;
  destroy(): void;
}

export function drawChart(container: HTMLElement, series: ChartSeries[], markers: Marker[],
                          opts: ChartOptions): Chart {
  container.classList.add('chart');
  const fg = cssVar('--fg');
  const grid = cssVar('--border');
  const tooltip = h('div', { class: 'tooltip', hidden: true });
  const markerEls: HTMLElement[] = [];
  // The markers' elements, made at the first draw (uPlot draws before its ready hook), then
  // moved to their times at every draw (a resize, a series toggled).
  const placeMarkers = (u: uPlot) => {
    if (markerEls.length === 0) {
      for (const m of markers) markerEls.push(markerElement(u, m));
    }
    const min = u.scales.x.min ?? opts.range.start;
    const max = u.scales.x.max ?? opts.range.end;
    markers.forEach((m, i) => {
      const el = markerEls[i];
      el.hidden = m.time < min || m.time > max;
      el.style.left = `${u.valToPos(m.time, 'x')}px`;
    });
  };
  // Markers take no pointer events (uPlot would lose the moves of a drag across them): the
  // cursor's position tells which one is hovered.
  const markerElement = (u: uPlot, m: Marker) => {
    const el = h('div', { class: `marker ${m.kind}`, 'data-time': m.time, 'data-kind': m.kind });
    u.over.append(el);
    return el;
  };
  let hovered = -1;
  const hoverMarker = (u: uPlot) => {
    const x = u.cursor.left ?? -1;
    let nearest = -1;
    markers.forEach((m, i) => {
      const distance = Math.abs(u.valToPos(m.time, 'x') - x);
      if (x >= 0 && !markerEls[i]?.hidden && distance <= 5 &&
          (nearest < 0 || distance < Math.abs(u.valToPos(markers[nearest].time, 'x') - x))) {
        nearest = i;
      }
    });
    if (nearest === hovered) return;
    markerEls[hovered]?.classList.remove('hover');
    hovered = nearest;
    tooltip.hidden = nearest < 0;
    if (nearest < 0) return;
    const m = markers[nearest];
    markerEls[nearest].classList.add('hover');
    tooltip.replaceChildren(h('b', {}, m.title), ...m.details.map((d) => h('div', {}, d)));
    const left = u.over.offsetLeft + u.valToPos(m.time, 'x') + 8;
    tooltip.style.left = `${Math.min(left, container.clientWidth - 260)}px`;
    tooltip.style.top = `${u.over.offsetTop + 8}px`;
  };
  const axis = (): uPlot.Axis => ({ stroke: fg, grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 } });
  const width = Math.max(320, container.clientWidth || 800);
  const plot = new uPlot({
    width,
    height: opts.height ?? 320,
    scales: { x: { time: true, range: () => [opts.range.start, opts.range.end] } },
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.band ? 'rgba(130, 80, 223, 0.5)' : s.color ?? PALETTE[i % PALETTE.length],
        width: 1.5,
        spanGaps: s.dash !== undefined,
        ...(s.dash ? { dash: s.dash } : {}),
        value: (_u: uPlot, v: number | null) => formatValue(v, opts.unit),
      })),
    ],
    axes: [axis(), { ...axis(), size: 70,
      values: (_u, splits) => splits.map((v) => formatValue(v, opts.unit)) }],
    bands: bandsOf(series),
    cursor: { drag: { x: true, y: false, setScale: false } },
    legend: { live: true },
    hooks: {
      draw: [placeMarkers],
      setCursor: [hoverMarker],
      setSelect: [(u) => {
        if (u.select.width < 3 || !opts.onZoom) return;
        const from = u.posToVal(u.select.left, 'x');
        const to = u.posToVal(u.select.left + u.select.width, 'x');
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        opts.onZoom(Math.floor(from), Math.ceil(to));
      }],
    },
  }, align(series, opts.range, opts.step), container);
  container.append(tooltip);
  // The page reads the plot (tests compute where a time falls on it).
  (container as HTMLElement & { uplot?: uPlot }).uplot = plot;
  const resize = new ResizeObserver(() => {
    const w = Math.max(320, container.clientWidth);
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: plot.height });
  });
  resize.observe(container);
  return { plot, destroy: () => { resize.disconnect(); plot.destroy(); } };
}
