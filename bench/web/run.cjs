#!/usr/bin/env node
// The web UI's benchmark (issue 14): a real vigied (build/server/vigied) and Debian's chromium
// driven by playwright-core (web/node_modules), as the tests run them (tests/web/fixture.cjs).
//
// 1. Navigation to drawn graph: Explore over the last 24 h of 100 series stored at a 15 s
//    interval (576,000 samples, written over remote_write); the time from the navigation's start
//    to the first animation frame after the chart is drawn (performance.now() in the page), with
//    a cold browser cache (a new browser and profile per run) and a warm one (a new tab in the
//    same browser: the UI's files are revalidated, 304), the median of --runs each.
// 2. The live view: lines pushed over Loki push at rising rates for --seconds each while the
//    page counts its animation frames; the highest rate that keeps >= 30 frames/s and shows
//    the last line pushed within 2 s.
// 3. Page weight: the bytes on the wire (headers and bodies) of the first load of `/` in a new
//    browser, the UI's files apart from the overview's API calls.
//
// Writes the "web" section of bench/RESULTS.md (bench/splice_section.py). Run it alone:
//   flock /tmp/vigie-cpu.lock node bench/web/run.cjs [--runs 7] [--seconds 5] [--no-write]
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
// playwright-core lives in web/node_modules: run again with it on the module path.
if (!process.env.NODE_PATH) {
  const child = spawnSync(process.execPath, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_PATH: path.join(root, 'web', 'node_modules'),
           VIGIE_BIN_DIR: process.env.VIGIE_BIN_DIR || path.join(root, 'build'),
           VIGIE_SCREENSHOTS: fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-web-bench-')) },
  });
  process.exit(child.status ?? 1);
}

const { startVigied, launchBrowser, pushLogs, remoteWrite, sleep } =
  require(path.join(root, 'tests', 'web', 'fixture.cjs'));

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const RUNS = option('runs', 7);
const SECONDS = option('seconds', 5);
// Each rate is measured this many times (a new page each), and the median frame rate kept: the
// machine is shared, and one run can meet another process's burst.
const REPEATS = option('repeats', 3);
const SERIES = 100;
const INTERVAL_S = 15;
const RANGE_S = 86400;
// Grafana 6's login page over the wire, KB: app.js, CSS, moment, angular (issue 21074).
const GRAFANA6_LOGIN_KB = 1500 + 339 + 260 + 173;
const RATES = [2500, 5000, 10000, 12500, 15000, 17500, 20000, 30000, 40000];

function log(message) {
  process.stderr.write(`[web bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function loadSeries(vigied, now) {
  const points = RANGE_S / INTERVAL_S;
  const start = now - RANGE_S * 1000;
  for (let first = 0; first < SERIES; first += 10) {
    const batch = [];
    for (let i = first; i < first + 10; ++i) {
      batch.push({
        labels: { __name__: 'bench_requests', service: 'bench', instance: `host-${i}` },
        samples: Array.from({ length: points + 1 }, (_, k) =>
          [start + k * INTERVAL_S * 1000, 100 + 50 * Math.sin((k + i * 37) / 240) + (k % 7)]),
      });
    }
    await remoteWrite(vigied.url, batch);
  }
}

// Milliseconds from the navigation's start to the first frame after Explore drew its chart.
async function timeToGraph(page, url) {
  await page.goto(url);
  const ms = await page.waitForFunction(() => {
    const graph = document.querySelector('.graph');
    return graph?.dataset.ready === 'true' && performance.now();
  }, null, { polling: 'raf', timeout: 30_000 }).then((handle) => handle.jsonValue());
  // Explore's status ends with the time from sending the queries to the chart drawn.
  const status = await page.locator('.status').first().textContent();
  const series = await page.evaluate(() => document.querySelector('.graph').uplot.data.length - 1);
  if (series !== SERIES) throw new Error(`drew ${series} series (${status})`);
  return { ms, queryAndDraw: Number(/(\d+) ms$/.exec(status)?.[1]) };
}

async function navigation(vigied) {
  const url = `${vigied.url}/#/explore?query=${encodeURIComponent('bench_requests')}&range=24h`;
  const cold = [];
  for (let i = 0; i < RUNS; ++i) {
    const browser = await launchBrowser();
    cold.push(await timeToGraph(await browser.newPage(), url));
    await browser.close();
  }
  const browser = await launchBrowser();
  await timeToGraph(await browser.newPage(), url);  // Fills the cache.
  const warm = [];
  for (let i = 0; i < RUNS; ++i) {
    const page = await browser.newPage();
    warm.push(await timeToGraph(page, url));
    await page.close();
  }
  await browser.close();
  log(`navigation: cold ${JSON.stringify(cold)}, warm ${JSON.stringify(warm)}`);
  return { cold, warm };
}

// Pushes `rate` lines per second for SECONDS into the live view of a fresh page; answers the
// page's frames per second meanwhile, its longest frame, and whether the last line showed.
async function liveAt(browser, vigied, rate, repeat) {
  const service = `flood${rate}-${repeat}`;
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/logs?query=${encodeURIComponent(`{service="${service}"}`)}` +
                  '&live=1');
  await page.locator('.live-state', { hasText: 'live' }).waitFor({ timeout: 10_000 });
  await page.evaluate(() => {
    window.bench = { frames: 0, longest: 0, last: performance.now() };
    const count = (t) => {
      window.bench.frames++;
      window.bench.longest = Math.max(window.bench.longest, t - window.bench.last);
      window.bench.last = t;
      requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
  });
  const ticks = SECONDS * 10;
  let sent = 0;
  const started = Date.now();
  for (let s = 0; s < ticks; ++s) {
    const base = Date.now();
    const lines = Array.from({ length: rate / 10 }, (_, i) =>
      [base + i / 1000, `GET /item/${sent + i} HTTP/1.1 200 user=${i % 97} took=${i % 13}ms`]);
    sent += lines.length;
    await pushLogs(vigied.url, [{ labels: { service }, lines }]);
    const wait = started + (s + 1) * 100 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const elapsed = (Date.now() - started) / 1000;
  const frames = await page.evaluate(() => window.bench);
  const shown = await page.locator('.log-line', { hasText: `/item/${sent - 1} ` })
    .waitFor({ timeout: 2000 }).then(() => true, () => false);
  const dropped = await page.locator('.status-bar').textContent();
  await page.close();
  const result = { rate, pushed: sent / elapsed, fps: frames.frames / elapsed,
                   longestMs: frames.longest, shown,
                   serverDropped: /(\d+) dropped by the server/.exec(dropped)?.[1] ?? '0' };
  log(`live ${rate}/s: ${JSON.stringify(result)}`);
  return result;
}

async function live(vigied) {
  const browser = await launchBrowser();
  const results = [];
  for (const rate of RATES) {
    const runs = [];
    for (let i = 0; i < REPEATS; ++i) runs.push(await liveAt(browser, vigied, rate, i));
    const r = { rate, pushed: median(runs.map((x) => x.pushed)), fps: median(runs.map((x) => x.fps)),
                fpsAll: runs.map((x) => x.fps), longestMs: Math.max(...runs.map((x) => x.longestMs)),
                shown: runs.every((x) => x.shown),
                serverDropped: runs.reduce((n, x) => n + Number(x.serverDropped), 0) };
    results.push(r);
    if (r.fps < 30 || !r.shown || r.pushed < rate * 0.9) break;
  }
  await browser.close();
  return results;
}

async function pageWeight(vigied) {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const responses = [];
  page.on('requestfinished', (request) => responses.push(request));
  await page.goto(`${vigied.url}/`, { waitUntil: 'networkidle' });
  const rows = [];
  for (const request of responses) {
    const sizes = await request.sizes();
    const response = await request.response();
    rows.push({ path: new URL(request.url()).pathname,
                wire: sizes.responseHeadersSize + sizes.responseBodySize,
                encoding: (await response.allHeaders())['content-encoding'] ?? '' });
  }
  await browser.close();
  const isFile = (r) => r.path === '/' || r.path.startsWith('/assets/');
  const sum = (list) => list.reduce((n, r) => n + r.wire, 0);
  const files = rows.filter(isFile);
  const api = rows.filter((r) => !isFile(r));
  log(`page weight: ${JSON.stringify(rows)}`);
  return { files: sum(files), fileCount: files.length, api: sum(api), apiCount: api.length,
           rows: files };
}

function uncompressedAssets() {
  const dist = path.join(process.env.VIGIE_BIN_DIR, 'web', 'dist');
  return Object.fromEntries(fs.readdirSync(dist).map((f) => [f, fs.statSync(path.join(dist, f)).size]));
}

function kb(bytes) {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

function report(nav, liveResults, weight, load) {
  const chromium = execFileSync('/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString().trim();
  const assets = uncompressedAssets();
  const keeps = (r) => r.fps >= 30 && r.shown && r.pushed >= r.rate * 0.9;
  const best = liveResults.filter(keeps).pop();
  const at5k = liveResults.find((r) => r.rate === 5000);
  const ms = (v) => `${Math.round(v)}`;
  const cold = median(nav.cold.map((r) => r.ms));
  const warm = median(nav.warm.map((r) => r.ms));
  const coldQuery = median(nav.cold.map((r) => r.queryAndDraw));
  const row = (label, runs) => {
    const total = runs.map((r) => r.ms);
    return `| ${label} | ${ms(median(total))} | ${ms(Math.min(...total))} | ` +
      `${ms(Math.max(...total))} | ${ms(median(runs.map((r) => r.queryAndDraw)))} |`;
  };
  return `## Web UI (navigation to graph, live view, page weight)

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${os.arch()}, ${os.cpus().length} cores, Linux ${os.release()}; ${chromium}, headless with \`--disable-gpu\` (software rendering); vigied, chromium and the script on the same cores
- command: \`flock /tmp/vigie-cpu.lock node bench/web/run.cjs --runs ${RUNS} --seconds ${SECONDS} --repeats ${REPEATS}\`; load average ${load.start} at the start, ${load.end} at the end (the lock keeps other benchmarks and builds out, not the other helpers' tests)

**Navigation to drawn graph.** Explore, \`bench_requests\` over the last 24 h: ${SERIES} series stored every ${INTERVAL_S} s (${(SERIES * (RANGE_S / INTERVAL_S + 1)).toLocaleString('en')} samples, written over remote_write). The UI asks for about 600 points per series (step 144 s): the chart draws ${(SERIES * (RANGE_S / 144 + 1)).toLocaleString('en')} points. Time from the navigation's start to the first frame after the chart is drawn, ${RUNS} runs each; the last column is Explore's own count from sending its queries (the range query, deploys, alert onsets) to the chart drawn.

| browser cache | median ms | min | max | queries and drawing, median ms |
|---|---|---|---|---|
${row('cold (new browser, empty profile)', nav.cold)}
${row('warm (new tab, files revalidated: 304)', nav.warm)}

**Live view.** Lines pushed over Loki push (every 100 ms) at each rate for ${SECONDS} s into a page following them, ${REPEATS} times (a new page each) (default cap: 2000 lines kept); the frames per second the page drew meanwhile, its longest frame, whether the last line pushed showed within 2 s after the last push (in every run), and the entries vigied dropped for a slow client. The run stops at the first rate under 30 frames/s.

| lines/s asked | pushed | frames/s, median (each run) | longest frame ms | last line shown | dropped by the server |
|---|---|---|---|---|---|
${liveResults.map((r) => `| ${r.rate.toLocaleString('en')} | ${Math.round(r.pushed).toLocaleString('en')} | ${r.fps.toFixed(1)} (${r.fpsAll.map((f) => f.toFixed(0)).join(', ')}) | ${Math.round(r.longestMs)} | ${r.shown ? 'every run' : 'no'} | ${r.serverDropped} |`).join('\n')}

Highest rate kept at 30 frames/s or more with every line shown: **${best ? best.rate.toLocaleString('en') : 'none'} lines/s**${at5k ? ` (${at5k.fps.toFixed(1)} frames/s at 5,000 lines/s)` : ''}.

**Page weight.** The first load of \`/\` (the overview) in a new browser: the UI's ${weight.fileCount} files take **${kb(weight.files)} on the wire**, gzip and headers included (${weight.rows.map((r) => `${r.path} ${kb(r.wire)}`).join(', ')}); uncompressed, app.js is ${kb(assets['app.js'])} and app.css ${kb(assets['app.css'])}. The overview's ${weight.apiCount} API answers add ${kb(weight.api)}.

**Grafana's published figures** (Grafana is not installed here; nothing of it was measured on this machine):

- First load: Grafana's maintainer measured "about 1.4 s" for the initial load of a Grafana server in the US from Sweden and "about 800 ms" when cached (https://github.com/grafana/grafana/issues/24036, 2020), and "about 1 s to fully load and show a dashboard" on a full reload (https://github.com/grafana/grafana/issues/15151, 2019): over a network rather than loopback, and for a dashboard rather than 100 series over 24 h.
- Page weight: a user's network tab for Grafana 6's login page shows app.js 1.5 MB, the CSS 339 KB, moment 260 KB and angular 173 KB transferred, and a 2.7 MB vendors file from the cache (https://github.com/grafana/grafana/issues/21074); another user reports app.js 3.4 MB and vendor 1.4 MB (https://github.com/grafana/grafana/issues/25001). Grafana added a CI report of its entrypoints' bundle sizes in 2026 because "we have no trend data for how large the initial page load is" (https://github.com/grafana/grafana/pull/129340); no current official figure was found.
- Live tail: Grafana's Explore buffers the tail for 2 s, which its author wrote "makes 10k lines per second actually manageable", and renders 100 lines while streaming, 1000 when paused (https://github.com/grafana/grafana/pull/18696, 2019); no frame rate was found. A Grafana issue reports a sixth concurrent live tail refused by Loki's limit on concurrent tails, silently (https://github.com/grafana/grafana/issues/32177).

Reading: the graph is drawn ${cold < 1000 ? 'within' : 'NOT within'} the issue's one second, cold (${ms(cold)} ms) or warm (${ms(warm)} ms), on loopback. Cold, ${ms(coldQuery)} ms of it are the queries, their JSON (${SERIES} series × 601 points) and the drawing; the rest is starting a renderer with an empty profile and fetching and parsing the UI's files, which the warm cache mostly saves. Those files are ${kb(weight.files)} in all, about ${Math.round(GRAFANA6_LOGIN_KB * 1000 / weight.files)} times less than the ${(GRAFANA6_LOGIN_KB / 1000).toFixed(1)} MB Grafana 6's login page transferred without its cached vendors file. The live view ${best && best.rate >= 5000 ? 'meets' : 'misses'} the issue's 5,000 lines/s; beyond ${best ? best.rate.toLocaleString('en') : 'that'} lines/s the frame rate falls under 30 while every line still shows: the cores are shared by the pusher, vigied and chromium rendering without a GPU. The page adds at most 8 ms of rows per frame and keeps the cap, so at higher rates it slows rather than freezes (the longest frame column). Grafana's figures were measured elsewhere and otherwise: they give orders of magnitude, not a like-for-like comparison.
`;
}

async function main() {
  const loadStart = os.loadavg()[0].toFixed(2);
  const vigied = await startVigied();
  try {
    log('writing 100 series × 24 h');
    await loadSeries(vigied, Date.now());
    const nav = await navigation(vigied);
    const liveResults = await live(vigied);
    const weight = await pageWeight(vigied);
    const load = { start: loadStart, end: os.loadavg()[0].toFixed(2) };
    const text = report(nav, liveResults, weight, load);
    process.stdout.write(text);
    if (!process.argv.includes('--no-write')) {
      const file = path.join(os.tmpdir(), `vigie-web-bench-${process.pid}.md`);
      fs.writeFileSync(file, text);
      execFileSync('python3', [path.join(root, 'bench', 'splice_section.py'), 'web', file]);
      fs.rmSync(file);
    }
  } finally {
    await vigied.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
