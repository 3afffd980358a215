// Dashboards: the list (shipped ones and a folder's), and the shipped "service" dashboard
// drawing every panel with data from logs and metrics, the service's deploy on each.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startVigied, launchBrowser, screenshot, pushLogs, remoteWrite, postDeploy } =
  require('./fixture.cjs');

let vigied;
let browser;
const now = Date.now();

test.before(async () => {
  vigied = await startVigied(['--dashboards', '$DIR'], {
    'queue.yaml': 'title: Queue\ndescription: the worker queue\npanels: [{query: queue_depth}]\n',
    'broken.yaml': 'title: Broken\npanels: [{title: no query}]\n',
  });
  browser = await launchBrowser();
  // An hour of the front's access log: a request every 10 s, of which a 404 and a 500 every
  // minute, and an error line every 2 minutes; and another service's 404, which must not count.
  const lines = [];
  for (let t = now - 3600_000; t < now; t += 10_000) {
    const k = Math.round((t - now) / 10_000);
    const status = k % 6 === 0 ? 500 : k % 3 === 0 ? 404 : 200;
    lines.push([t, `GET /item/${k} HTTP/1.1" ${status} 512`]);
    if (k % 12 === 0) lines.push([t + 1, `ERROR payment gateway timeout for order ${k}`]);
  }
  await pushLogs(vigied.url, [{ labels: { service: 'front' }, lines },
                              { labels: { service: 'back' }, lines: [[now - 1000, 'GET / 404 ']] }]);
  const samples = (f) => Array.from({ length: 240 }, (_, k) => [now - 3600_000 + k * 15_000, f(k)]);
  await remoteWrite(vigied.url, [
    { labels: { __name__: 'logins_total', service: 'front' }, samples: samples((k) => k * 30) },
    { labels: { __name__: 'queue_depth', service: 'front' }, samples: samples((k) => k % 40) },
    { labels: { __name__: 'queue_processed_total', service: 'front' },
      samples: samples((k) => k * 60) },
  ]);
  await postDeploy(vigied.url, { service: 'front', version: '68', commit: 'd15ea5e',
                                 author: 'Linus', time: (now - 20 * 60_000) / 1000 });
});

test.after(async () => {
  await browser?.close();
  await vigied?.stop();
});

test('the list shows the shipped dashboards and the folder\'s, with a broken one\'s error',
     async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/dashboards`);
  await page.locator('.dashboard-list tr').nth(3).waitFor();
  const rows = await page.locator('.dashboard-list tr').allTextContents();
  assert.strictEqual(rows.length, 4, JSON.stringify(rows));
  assert.match(rows[0], /^broken.*panel 1 has no query/);
  assert.match(rows[1], /^Host/);
  assert.match(rows[2], /^Queue.*the worker queue/);
  assert.match(rows[3], /^Service.*shipped/);
  await screenshot(page, 'dashboards');
});

test('the service dashboard renders all its panels with data and the deploy on each',
     async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/dashboards?name=service&var-service=front&range=1h`);
  await page.waitForFunction(() => {
    const graphs = document.querySelectorAll('.panel .graph');
    return graphs.length === 7 && [...graphs].every((g) => g.dataset.ready);
  }, null, { timeout: 15_000 });
  const panels = await page.evaluate(() => [...document.querySelectorAll('.panel')].map((p) => {
    const u = p.querySelector('.graph').uplot;
    return {
      title: p.dataset.title,
      ready: p.querySelector('.graph').dataset.ready,
      status: p.querySelector('.panel-status').textContent,
      series: Number(p.querySelector('.graph').dataset.series),
      points: u ? u.data.slice(1).reduce((n, col) => n + col.filter((v) => v !== null).length, 0)
        : 0,
      deploys: p.querySelectorAll('.marker.deploy').length,
      legend: [...p.querySelectorAll('.u-legend .u-series .u-label')].map((l) => l.textContent),
    };
  }));
  for (const p of panels) {
    assert.strictEqual(p.ready, 'true', `${p.title}: ${p.status}`);
    assert.ok(p.series >= 1 && p.points > 10, `${p.title} has no data: ${JSON.stringify(p)}`);
    assert.strictEqual(p.deploys, 1, `${p.title}: ${p.deploys} deploy lines`);
    // Every panel sums to one series without labels: its legend names it by the panel's title.
    assert.ok(p.legend.includes(p.title), `${p.title}'s legend: ${JSON.stringify(p.legend)}`);
  }
  // The panels count the front's lines only: per minute, six requests, one 404, one 500.
  const medians = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('.panel')].map((p) => {
      const values = p.querySelector('.graph').uplot.data[1].filter((v) => v !== null)
        .sort((a, b) => a - b);
      return [p.dataset.title, values[values.length >> 1]];
    })));
  assert.strictEqual(medians['404s per minute'], 1);
  assert.strictEqual(medians['5xx per minute'], 1);
  assert.ok(Math.abs(medians['Requests per second (log lines)'] - 0.1) < 0.02,
            JSON.stringify(medians));
  assert.ok(Math.abs(medians['Logins per second'] - 2) < 0.01, JSON.stringify(medians));
  await screenshot(page, 'dashboard-service');
  assert.deepStrictEqual(page.errors, []);
});

test('a dashboard\'s URL reopened in a new page shows the same variables and range', async () => {
  const first = await browser.newPage();
  await first.goto(`${vigied.url}/#/dashboards?name=service&range=1h`);
  await first.locator('select[name="var-service"]').waitFor();
  assert.strictEqual(await first.locator('select[name="var-service"]').inputValue(), 'front');
  await first.selectOption('select[name="var-service"]', 'back');
  await first.waitForFunction(() => location.hash.includes('var-service=back'));
  const second = await browser.newPage();
  await second.goto(first.url());
  await second.locator('select[name="var-service"]').waitFor();
  assert.strictEqual(await second.locator('select[name="var-service"]').inputValue(), 'back');
  assert.strictEqual(await second.locator('select[name="range"]').inputValue(), '1h');
});

test('the overview shows the service dashboard over the last hour', async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/`);
  await page.waitForFunction(() => {
    const graphs = document.querySelectorAll('.overview-dashboard .panel .graph');
    return graphs.length === 7 && [...graphs].every((g) => g.dataset.ready === 'true');
  }, null, { timeout: 15_000 });
  assert.strictEqual(await page.locator('.overview-dashboard .marker.deploy').count(), 7);
  await page.locator('.overview-deploys tr.deploy', { hasText: 'd15ea5e' }).waitFor();
  await screenshot(page, 'overview-dashboard');
});
