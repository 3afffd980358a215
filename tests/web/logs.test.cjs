// Logs, the Supergrep view: search results newest first with the match highlighted and label
// chips refining the query; live mode over the WebSocket tail with include/exclude/highlight
// rules, pause and resume.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startVigied, launchBrowser, screenshot, pushLogs, sleep } = require('./fixture.cjs');

let vigied;
let browser;

test.before(async () => {
  vigied = await startVigied();
  browser = await launchBrowser();
  const now = Date.now();
  await pushLogs(vigied.url, [
    { labels: { service: 'api', host: 'web1' },
      lines: [[now - 3000, 'GET /login 200'], [now - 2000, 'GET /cart timeout after 3s'],
              [now - 1000, 'GET /pay timeout after 5s']] },
    { labels: { service: 'api', host: 'web2' }, lines: [[now - 1500, 'GET /home timeout']] },
  ]);
});

test.after(async () => {
  await browser?.close();
  await vigied?.stop();
});

test('search lists lines newest first, marks the match, and a chip refines the query',
     async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/logs?query=${encodeURIComponent('{service="api"} |= "timeout"')}`);
  await page.locator('.log-line').nth(2).waitFor();
  const lines = await page.locator('.log-line .text').allTextContents();
  assert.deepStrictEqual(lines, ['GET /pay timeout after 5s', 'GET /home timeout',
                                 'GET /cart timeout after 3s']);
  assert.deepStrictEqual(await page.locator('.log-line').first().locator('mark').allTextContents(),
                         ['timeout']);
  // Context: the lines around an entry in its stream, whatever the query's filters.
  await page.locator('.log-line', { hasText: 'GET /cart' }).locator('.ts').click();
  await page.locator('.context .context-entry').waitFor();
  assert.deepStrictEqual(await page.locator('.context .text').allTextContents(),
                         ['GET /pay timeout after 5s', 'GET /cart timeout after 3s', 'GET /login 200']);
  await screenshot(page, 'logs-search');
  await page.locator('.log-line').nth(1).locator('.chip', { hasText: 'host=web2' }).click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes('host="web2"'));
  await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 1);
  assert.strictEqual(await page.locator('.log-line .text').textContent(), 'GET /home timeout');
  assert.deepStrictEqual(page.errors, []);
});

async function openLive(page, query, extra = '') {
  await page.goto(`${vigied.url}/#/logs?query=${encodeURIComponent(query)}&live=1${extra}`);
  await page.locator('.live-state', { hasText: 'live' }).waitFor({ timeout: 5000 });
}

test('a line pushed after the live view opened appears within 2 s', async () => {
  const page = await browser.newPage();
  await openLive(page, '{service="live1"}');
  const pushed = Date.now();
  await pushLogs(vigied.url, [{ labels: { service: 'live1' }, lines: [[pushed, 'fresh line 1']] }]);
  await page.locator('.log-line .text', { hasText: 'fresh line 1' }).waitFor({ timeout: 2000 });
  assert.ok(Date.now() - pushed < 2000);
  // The status line counts it at once (it is redrawn at most every 250 ms, so within that, not
  // at the next second's tick).
  await page.locator('.kept', { hasText: /^1 shown/ }).waitFor({ timeout: 400 });
  await screenshot(page, 'logs-live');
});

test('an include rule keeps only the lines that match it', async () => {
  const page = await browser.newPage();
  await openLive(page, '{service="live4"}', `&rules=${encodeURIComponent(
    JSON.stringify([{ kind: 'include', pattern: '(?i)checkout' }]))}`);
  await pushLogs(vigied.url, [{ labels: { service: 'live4' }, lines: [
    [Date.now(), 'GET /Checkout 500'], [Date.now() + 1, 'GET /home 200'],
    [Date.now() + 2, 'POST /checkout 201']] }]);
  await page.locator('.log-line .text', { hasText: 'POST /checkout 201' }).waitFor({ timeout: 2000 });
  assert.deepStrictEqual(await page.locator('.log-line .text').allTextContents(),
                         ['POST /checkout 201', 'GET /Checkout 500']);
});

test('rules: exclude hides a line, highlight colours one',
     async () => {
  const page = await browser.newPage();
  await openLive(page, '{service="live2"}');
  await page.selectOption('select[name="rule-kind"]', 'exclude');
  await page.fill('input[name="rule-pattern"]', 'healthcheck');
  await page.click('button[name="add-rule"]');
  await page.locator('.rule-exclude').waitFor();
  await page.selectOption('select[name="rule-kind"]', 'highlight');
  await page.fill('input[name="rule-pattern"]', 'ERROR');
  await page.locator('input[name="rule-color"]').evaluate((el) => { el.value = '#ff0000'; });
  await page.click('button[name="add-rule"]');
  await page.locator('.rule-highlight').waitFor();
  await page.locator('.live-state', { hasText: 'live' }).waitFor();
  await pushLogs(vigied.url, [{ labels: { service: 'live2' }, lines: [
    [Date.now(), 'GET /healthcheck 200'], [Date.now() + 1, 'an ERROR in payment'],
    [Date.now() + 2, 'GET /after 200']] }]);
  await page.locator('.log-line .text', { hasText: 'GET /after 200' }).waitFor({ timeout: 2000 });
  assert.strictEqual(await page.locator('.log-line', { hasText: 'healthcheck' }).count(), 0);
  const mark = page.locator('.log-line mark', { hasText: 'ERROR' });
  assert.strictEqual(await mark.evaluate((el) => getComputedStyle(el).backgroundColor),
                     'rgb(255, 0, 0)');
  // The rules are in the URL: a new page opens with them.
  const url = page.url();
  const again = await browser.newPage();
  await again.goto(url);
  await again.locator('.rule-exclude').waitFor();
  assert.strictEqual(await again.locator('.rule').count(), 2);
  await screenshot(page, 'logs-rules');
});

test('pause keeps the lines that arrive meanwhile and shows them on resume', async () => {
  const page = await browser.newPage();
  await openLive(page, '{service="live3"}');
  await pushLogs(vigied.url, [{ labels: { service: 'live3' }, lines: [[Date.now(), 'before pause']] }]);
  await page.locator('.log-line .text', { hasText: 'before pause' }).waitFor({ timeout: 2000 });
  await page.click('button[name="pause"]');
  const base = Date.now();
  await pushLogs(vigied.url, [{ labels: { service: 'live3' },
                                lines: [1, 2, 3].map((i) => [base + i, `during pause ${i}`]) }]);
  await page.locator('.waiting', { hasText: '3 waiting' }).waitFor({ timeout: 2000 });
  assert.strictEqual(await page.locator('.log-line', { hasText: 'during pause' }).count(), 0);
  await page.click('button[name="pause"]');
  await page.locator('.log-line', { hasText: 'during pause 3' }).waitFor({ timeout: 2000 });
  assert.deepStrictEqual(await page.locator('.log-line .text').allTextContents(),
                         ['during pause 3', 'during pause 2', 'during pause 1', 'before pause']);
});

test('the live view keeps up with 5,000 lines per second and keeps only the cap', async () => {
  const page = await browser.newPage();
  await openLive(page, '{service="flood"}', '&cap=1000');
  const seconds = 3;
  const perSecond = 5000;
  let sent = 0;
  // Counts the page's frames while the lines pour in.
  await page.evaluate(() => {
    window.frames_ = 0;
    const count = () => { window.frames_++; requestAnimationFrame(count); };
    requestAnimationFrame(count);
  });
  const started = Date.now();
  for (let s = 0; s < seconds * 10; ++s) {
    const base = Date.now();
    const lines = Array.from({ length: perSecond / 10 }, (_, i) =>
      [base + i / 1000, `flood line ${sent + i} user=${i % 97} path=/item/${i}`]);
    sent += lines.length;
    await pushLogs(vigied.url, [{ labels: { service: 'flood' }, lines }]);
    const wait = started + (s + 1) * 100 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const elapsed = (Date.now() - started) / 1000;
  const fps = (await page.evaluate(() => window.frames_)) / elapsed;
  await page.locator('.log-line', { hasText: `flood line ${sent - 1} ` }).waitFor({ timeout: 3000 });
  const rows = await page.locator('.log-line').count();
  assert.strictEqual(rows, 1000);
  // The page stayed responsive: a frame comes promptly.
  const frameMs = await page.evaluate(() => new Promise((resolve) => {
    const t = performance.now();
    requestAnimationFrame(() => resolve(performance.now() - t));
  }));
  console.log(`flood: ${sent} lines in ${elapsed.toFixed(2)} s ` +
              `(${Math.round(sent / elapsed)} lines/s), ${fps.toFixed(1)} frames/s meanwhile, ` +
              `next frame after ${frameMs.toFixed(1)} ms`);
  assert.ok(sent / elapsed >= 5000 * 0.9, `sent only ${sent / elapsed} lines/s`);
  // The frame rate is printed above (a measurement, 50-60 when the machine is idle); the test
  // only asserts that the page never froze, which a loaded CI machine still allows.
  assert.ok(fps >= 10, `${fps} frames/s while following`);
  assert.ok(frameMs < 200, `frame took ${frameMs} ms`);
});
