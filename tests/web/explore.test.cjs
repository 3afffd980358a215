// Explore: a PromQL graph of series written through remote_write, with a deploy's line at its
// time, the legend, zoom and Back, completion, a syntax error under its position, and the URL
// reopening the same view.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startVigied, launchBrowser, screenshot, remoteWrite, postDeploy, pushLogs } =
  require('./fixture.cjs');

let vigied;
let browser;
const now = Date.now();
const deployMs = now - 30 * 60_000;

test.before(async () => {
  vigied = await startVigied();
  browser = await launchBrowser();
  // Two instances of a counter over the last hour at 15 s, the second one twice as fast.
  const series = ['a', 'b'].map((instance, i) => ({
    labels: { __name__: 'http_requests_total', service: 'front', instance },
    samples: Array.from({ length: 240 }, (_, k) => {
      const ms = now - 3600_000 + k * 15_000;
      return [ms, k * 15 * (i + 1)];
    }),
  }));
  await remoteWrite(vigied.url, series);
  await postDeploy(vigied.url, { service: 'front', version: '67', commit: '3f2c1ab',
                                 author: 'Ada Lovelace', time: deployMs / 1000 });
  await pushLogs(vigied.url, [{ labels: { service: 'front', level: 'error' },
                                lines: [[now - 60_000, 'boom'], [now - 30_000, 'boom again']] }]);
});

test.after(async () => {
  await browser?.close();
  await vigied?.stop();
});

const query = 'rate(http_requests_total{service="front"}[1m])';
const exploreUrl = () => `${vigied.url}/#/explore?query=${encodeURIComponent(query)}&range=1h`;

async function openGraph(page, url) {
  await page.goto(url);
  await page.waitForSelector('.graph[data-ready="true"]', { timeout: 10_000 });
}

test('the graph draws both series and the deploy line at its time, hover shows the commit',
     async () => {
  const page = await browser.newPage();
  await openGraph(page, exploreUrl());
  const drawn = await page.evaluate(() => {
    const u = document.querySelector('.graph').uplot;
    return u.series.slice(1).map((s, i) => ({
      label: s.label, values: u.data[i + 1].filter((v) => v !== null) }));
  });
  assert.strictEqual(drawn.length, 2, JSON.stringify(drawn.map((s) => s.label)));
  for (const s of drawn) assert.ok(s.values.length > 100, `${s.label}: ${s.values.length} points`);
  // rate() of 15 per 15 s and 30 per 15 s (the median: the range's ends extrapolate less).
  const medians = drawn.map((s) => s.values.sort((a, b) => a - b)[s.values.length >> 1]).sort();
  assert.ok(Math.abs(medians[0] - 1) < 0.01 && Math.abs(medians[1] - 2) < 0.01,
            JSON.stringify(medians));
  const transferred = await page.evaluate(() => performance.getEntriesByType('resource')
    .concat(performance.getEntriesByType('navigation'))
    .filter((e) => !e.name.includes('/api/'))
    .reduce((sum, e) => sum + e.transferSize, 0));
  console.log(`first load: the UI's files took ${transferred} bytes on the wire`);
  assert.ok(transferred > 0 && transferred < 100_000, `${transferred} bytes`);

  const marker = page.locator('.graph .marker.deploy');
  assert.strictEqual(await marker.count(), 1);
  const expectedX = await page.evaluate((t) => {
    const u = document.querySelector('.graph').uplot;
    return u.over.getBoundingClientRect().left + u.valToPos(t, 'x');
  }, deployMs / 1000);
  const box = await marker.boundingBox();
  const lineX = box.x + box.width / 2;
  assert.ok(Math.abs(lineX - expectedX) <= 2, `line at ${lineX}, expected ${expectedX}`);
  // And the time is where the x axis says it is: between the range's ends, proportionally.
  const plot = await page.evaluate(() => {
    const r = document.querySelector('.graph').uplot.over.getBoundingClientRect();
    return { left: r.left, width: r.width };
  });
  const fraction = (deployMs - (now - 3600_000)) / 3600_000;
  assert.ok(Math.abs(lineX - (plot.left + fraction * plot.width)) <= 2 + plot.width * 0.01);

  await page.mouse.move(lineX, box.y + box.height / 2);
  const tooltip = page.locator('.graph .tooltip');
  await tooltip.waitFor({ state: 'visible' });
  const text = await tooltip.textContent();
  for (const want of ['front', '67', '3f2c1ab', 'Ada Lovelace']) {
    assert.ok(text.includes(want), `tooltip "${text}" lacks ${want}`);
  }
  await screenshot(page, 'explore');
  await page.click('button[name="theme"]');
  await page.waitForSelector('.graph[data-ready="true"]');
  await screenshot(page, 'explore-other-theme');
  assert.deepStrictEqual(page.errors, []);
});

test('the legend toggles a series; dragging zooms and Back returns', async () => {
  const page = await browser.newPage();
  await openGraph(page, exploreUrl());
  await page.locator('.u-legend .u-series').nth(1).click();
  assert.strictEqual(await page.evaluate(() => document.querySelector('.graph').uplot.series[1].show),
                     false);
  const over = await page.locator('.graph .u-over').boundingBox();
  // uPlot follows the cursor once per animation frame: each step waits for one.
  const frame = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() =>
    requestAnimationFrame(resolve))));
  await page.mouse.move(over.x + over.width * 0.25, over.y + over.height / 2);
  await frame();
  await page.mouse.down();
  await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2, { steps: 5 });
  await frame();
  await page.mouse.up();
  await page.waitForFunction(() => location.hash.includes('from='));
  const hash = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
  const span = Number(hash.get('to')) - Number(hash.get('from'));
  assert.ok(Math.abs(span - 900) < 60, `zoomed to ${span} s, a quarter of the hour expected`);
  const from = Number(hash.get('from'));
  assert.ok(Math.abs(from - (now - 3600_000 * 0.75) / 1000) < 60, `zoomed from ${from}`);
  await page.waitForSelector('.graph[data-ready="true"]');
  await page.locator('button[name="back"]').click();
  await page.waitForFunction(() => location.hash.includes('range=1h'));
  await page.waitForSelector('.graph[data-ready="true"]');
  // A custom range: two dates.
  await page.selectOption('select[name="range"]', 'custom');
  await page.fill('input[name="from"]', '2026-01-02T03:04');
  await page.fill('input[name="to"]', '2026-01-02T05:04');
  await page.click('button[name="apply-range"]');
  await page.waitForFunction(() => location.hash.includes('from='));
  const custom = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
  const expectedFrom = await page.evaluate(() => new Date('2026-01-02T03:04').getTime() / 1000);
  assert.strictEqual(Number(custom.get('from')), expectedFrom);
  assert.strictEqual(Number(custom.get('to')) - Number(custom.get('from')), 7200);
});

test('completion offers metric names, label names and values', async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/explore`);
  const box = page.locator('textarea[name="query"]');
  await box.pressSequentially('http_req');
  await page.locator('.completions li', { hasText: 'http_requests_total' }).waitFor();
  await box.press('Tab');
  await box.pressSequentially('{inst');
  await page.locator('.completions li', { hasText: 'instance' }).waitFor();
  await box.press('Enter');
  await page.locator('.completions li', { hasText: /^b$/ }).waitFor();
  const values = await page.locator('.completions li').allTextContents();
  assert.ok(values.includes('a') && values.includes('b'), JSON.stringify(values));
  await box.pressSequentially('a');
  await page.waitForFunction(() => document.querySelectorAll('.completions li').length === 1);
  await box.press('Enter');
  assert.strictEqual(await box.inputValue(), 'http_requests_total{instance="a"');
});

test('completion offers LogQL stages after a pipe, the parsed labels, and by (...) labels',
     async () => {
  await pushLogs(vigied.url, [{ labels: { service: 'checkout' }, lines: [
    [now - 2000, '{"status":500,"path":"/pay","took_ms":31}'],
    [now - 1000, '{"status":200,"path":"/cart","took_ms":4}']] }]);
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/logs`);
  const box = page.locator('textarea[name="query"]');
  const offered = async () => page.locator('.completions li').allTextContents();
  await box.pressSequentially('{service="checkout"} |');
  await page.locator('.completions li', { hasText: 'decolorize' }).waitFor();
  assert.deepStrictEqual(await offered(), ['json', 'logfmt', 'pattern', 'regexp', 'unpack',
    'line_format', 'label_format', 'drop', 'keep', 'decolorize', 'unwrap']);
  // A line filter is not a stage: `|=` closes the list.
  await box.pressSequentially('=');
  await page.locator('.completions').waitFor({ state: 'hidden' });
  await box.press('Backspace');
  await box.pressSequentially(' js');
  await page.waitForFunction(() => document.querySelectorAll('.completions li').length === 1);
  await box.press('Tab');
  // After a parser, the labels it extracts from the stream's recent lines are offered too.
  await box.pressSequentially(' | ');
  await page.locator('.completions li', { hasText: 'took_ms' }).waitFor();
  const afterParser = await offered();
  for (const name of ['status', 'path', 'took_ms', 'line_format', 'unwrap']) {
    assert.ok(afterParser.includes(name), `${name} not in ${JSON.stringify(afterParser)}`);
  }
  await box.pressSequentially('sta');
  await box.press('Enter');
  assert.strictEqual(await box.inputValue(), '{service="checkout"} | json | status');
  // Inside a metric query, the log query whose labels are offered starts at its selector.
  await box.fill('');
  await box.pressSequentially('sum(count_over_time({service="checkout"} != "health" | json | ');
  await page.locator('.completions li', { hasText: 'took_ms' }).waitFor();
  // A `|` inside a string is no pipe.
  await box.fill('');
  await box.pressSequentially('{service="checkout"} |~ "a|');
  await page.waitForTimeout(200);
  assert.strictEqual(await page.locator('.completions').isHidden(), true);

  // PromQL: the label names in by (...) and without (...), inserted alone.
  await page.goto(`${vigied.url}/#/explore`);
  const promBox = page.locator('textarea[name="query"]');
  await promBox.pressSequentially('sum by (serv');
  await page.locator('.completions li', { hasText: 'service' }).waitFor();
  await promBox.press('Tab');
  await promBox.pressSequentially(', ins');
  await page.locator('.completions li', { hasText: 'instance' }).waitFor();
  await promBox.press('Enter');
  assert.strictEqual(await promBox.inputValue(), 'sum by (service, instance');
  await promBox.fill('');
  await promBox.pressSequentially('sum without (');
  await page.locator('.completions li', { hasText: 'instance' }).waitFor();
  assert.ok((await offered()).includes('service'));
  assert.deepStrictEqual(page.errors, []);
});

test('a syntax error shows under its position', async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/explore?query=${encodeURIComponent('sum(rate(x[1m])')}`);
  const error = page.locator('.syntax-error');
  await error.waitFor({ state: 'visible' });
  const [line, caret, message] = (await error.textContent()).split('\n');
  assert.strictEqual(line, 'sum(rate(x[1m])');
  assert.match(message, /parse error at line 1, col (\d+)/);
  const col = Number(/col (\d+)/.exec(message)[1]);
  assert.strictEqual(caret.indexOf('^'), col - 1);
  await screenshot(page, 'explore-syntax-error');
});

test('a LogQL metric query graphs log lines', async () => {
  const page = await browser.newPage();
  await openGraph(page, `${vigied.url}/#/explore?query=${encodeURIComponent(
    'sum by (level) (count_over_time({service="front"}[5m]))')}&range=15m`);
  const labels = await page.evaluate(() =>
    document.querySelector('.graph').uplot.series.slice(1).map((s) => s.label));
  assert.deepStrictEqual(labels, ['{level="error"}']);
});

test('the anomaly band of a rule is drawn around its curve', async () => {
  // The series an anomaly: rule's evaluations write beside the curve (docs/alerts.md).
  const samples = (f) => Array.from({ length: 60 }, (_, k) => [now - 3600_000 + k * 60_000, f(k)]);
  const labels = { service: 'front', alertname: 'LoginsAnomalous' };
  await remoteWrite(vigied.url, [
    { labels: { __name__: 'logins_per_minute', service: 'front' }, samples: samples((k) => 200 + k) },
    { labels: { __name__: 'vigie_anomaly_lower', ...labels }, samples: samples((k) => 180 + k) },
    { labels: { __name__: 'vigie_anomaly_upper', ...labels }, samples: samples((k) => 220 + k) },
  ]);
  const page = await browser.newPage();
  await openGraph(page, `${vigied.url}/#/explore?query=logins_per_minute&band=LoginsAnomalous&range=1h`);
  const drawn = await page.evaluate(() => {
    const u = document.querySelector('.graph').uplot;
    return { labels: u.series.slice(1).map((s) => s.label), bands: u.bands.map((b) => b.series) };
  });
  assert.deepStrictEqual(drawn.labels, ['logins_per_minute{service="front"}',
    'band lower {alertname="LoginsAnomalous", service="front"}',
    'band upper {alertname="LoginsAnomalous", service="front"}']);
  assert.deepStrictEqual(drawn.bands, [[3, 2]]);  // Filled from the upper edge to the lower.
  await screenshot(page, 'explore-anomaly-band');
});

test('a series without labels is named by its query, not {}', async () => {
  const page = await browser.newPage();
  const sum = 'sum(rate(http_requests_total[5m]))';
  await openGraph(page, `${vigied.url}/#/explore?query=${encodeURIComponent(sum)}&range=1h`);
  assert.deepStrictEqual(await page.evaluate(
    () => document.querySelector('.graph').uplot.series.slice(1).map((s) => s.label)), [sum]);
});

test('the URL reopened in a new page shows the same view', async () => {
  const first = await browser.newPage();
  await openGraph(first, exploreUrl());
  await first.selectOption('select[name="unit"]', 'reqps');
  await first.waitForFunction(() => location.hash.includes('unit=reqps'));
  await first.waitForSelector('.graph[data-ready="true"]');
  const url = first.url();
  const second = await browser.newPage();
  await openGraph(second, url);
  assert.strictEqual(await second.locator('textarea[name="query"]').inputValue(), query);
  assert.strictEqual(await second.locator('select[name="unit"]').inputValue(), 'reqps');
  assert.strictEqual(await second.locator('select[name="range"]').inputValue(), '1h');
  assert.strictEqual(await second.locator('.graph .u-legend .u-series').count(), 3);
});

test('100 series over 24 h at 15 s draw (time to the drawn graph is printed)', async () => {
  const start = now - 24 * 3600_000;
  for (let batch = 0; batch < 10; ++batch) {
    await remoteWrite(vigied.url, Array.from({ length: 10 }, (_, i) => ({
      labels: { __name__: 'load_series', shard: String(batch * 10 + i) },
      samples: Array.from({ length: 5760 }, (_, k) =>
        [start + k * 15_000, Math.sin(k / 100 + batch * 10 + i) * 10 + batch * 10 + i]),
    })));
  }
  const page = await browser.newPage();
  const started = Date.now();
  await openGraph(page, `${vigied.url}/#/explore?query=load_series&range=24h`);
  const elapsed = Date.now() - started;
  const series = await page.evaluate(() => document.querySelector('.graph').uplot.series.length - 1);
  assert.strictEqual(series, 100);
  console.log(`100 series over 24 h: navigation to drawn graph ${elapsed} ms`);
  await screenshot(page, 'explore-100-series');
});
