// The web UI fed by a real vigie-collector, as a host runs it: a line appended to a file the
// collector tails shows in the live view within 2 s, and the shipped "host" dashboard draws
// every panel from the collector's host metrics (on by default; here every second, so that a
// few seconds give rates).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { startVigied, startCollector, launchBrowser, screenshot, sleep } =
  require('./fixture.cjs');

const HOST = 'web-ui-host';
let vigied;
let collector;
let browser;
let logFile;

test.before(async () => {
  vigied = await startVigied();
  collector = await startCollector(vigied, `host: ${HOST}
inputs:
  - type: file
    paths: ["$DIR/logs/*.log"]
    read_from: beginning
    labels: {service: shop}
  - type: host
    interval: 1s
`);
  fs.mkdirSync(path.join(collector.dir, 'logs'));
  logFile = path.join(collector.dir, 'logs', 'app.log');
  fs.writeFileSync(logFile, 'shop started\n');
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
  await collector?.stop();
  await vigied?.stop();
});

test('a line appended to a tailed file appears in the live view within 2 s', async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/logs?query=${encodeURIComponent('{service="shop"}')}&live=1`);
  await page.locator('.live-state', { hasText: 'live' }).waitFor({ timeout: 5000 });
  // The collector is tailing once the first line went through it.
  await page.locator('.log-line .text', { hasText: 'shop started' }).waitFor({ timeout: 5000 });
  const timings = [];
  for (let i = 1; i <= 3; ++i) {
    const written = Date.now();
    fs.appendFileSync(logFile, `GET /checkout/${i} 200 user=${i}\n`);
    await page.locator('.log-line .text', { hasText: `GET /checkout/${i} 200` })
      .waitFor({ timeout: 2000 });
    timings.push(Date.now() - written);
    await sleep(300);
  }
  console.log(`file to page: ${timings.join(', ')} ms`);
  const row = page.locator('.log-line', { hasText: 'GET /checkout/3 200' });
  assert.ok(await row.locator('.chip', { hasText: `host=${HOST}` }).count() === 1);
  assert.match(await row.locator('.chip', { hasText: 'file=' }).textContent(), /app\.log/);
  await screenshot(page, 'collector-live');
  assert.deepStrictEqual(page.errors, []);
});

test('the host dashboard draws all its panels from the collector\'s host metrics', async () => {
  const page = await browser.newPage();
  // rate(...[5m]) needs two samples of each series: a few host intervals.
  const deadline = Date.now() + 15_000;
  let panels = [];
  while (Date.now() < deadline) {
    await page.goto(`${vigied.url}/#/dashboards?name=host&range=15m`);
    await page.waitForFunction(() => {
      const graphs = document.querySelectorAll('.panel .graph');
      return graphs.length > 0 && [...graphs].every((g) => g.dataset.ready);
    }, null, { timeout: 10_000 });
    panels = await page.evaluate(() => [...document.querySelectorAll('.panel')].map((p) => {
      const graph = p.querySelector('.graph');
      return {
        title: p.dataset.title,
        ready: graph.dataset.ready,
        status: p.querySelector('.panel-status').textContent,
        series: Number(graph.dataset.series),
        points: graph.uplot ? graph.uplot.data.slice(1)
          .reduce((n, col) => n + col.filter((v) => v !== null).length, 0) : 0,
      };
    }));
    if (panels.every((p) => p.series >= 1 && p.points >= 2)) break;
    await sleep(1000);
  }
  // The instance variable offers the hosts only (vigied's own metrics have an instance too):
  // its default is this collector's.
  assert.strictEqual(await page.locator('select[name="var-instance"]').inputValue(), HOST);
  assert.deepStrictEqual(panels.map((p) => p.title), ['CPU by mode', 'Load average',
    'Memory used', 'Filesystem space available', 'Disk I/O', 'Network received']);
  for (const p of panels) {
    assert.strictEqual(p.ready, 'true', `${p.title}: ${p.status}`);
    assert.ok(p.series >= 1 && p.points >= 2, `${p.title} has no data: ${JSON.stringify(p)}`);
  }
  await screenshot(page, 'dashboard-host');
  assert.deepStrictEqual(page.errors, []);
});
