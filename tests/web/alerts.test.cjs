// Alerts: a firing alert shows with the deploy that came before it and a link to its graph; a
// silence created in the page stops the next notification at a recording webhook receiver,
// and is listed and expired from the page.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const { startVigied, launchBrowser, screenshot, remoteWrite, postDeploy, sleep } =
  require('./fixture.cjs');

let vigied;
let browser;
let receiver;
const notifications = [];  // {at, alerts: [{labels, status}]}

const RULES = `groups:
  - name: web
    interval: 1s
    rules:
      - alert: ErrorsHigh
        expr: errors_total{service="checkout"} > 5
        for: 1s
        annotations: {summary: 'too many errors on checkout'}
`;

test.before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      notifications.push({ at: Date.now(), ...JSON.parse(body) });
      res.end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const notify = `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: hook
    webhook_configs: [{url: "http://127.0.0.1:${receiver.address().port}/hook"}]
`;
  vigied = await startVigied(['--rules', '$DIR/rules.yaml', '--notify', '$DIR/notify.yaml'],
                             { 'rules.yaml': RULES, 'notify.yaml': notify });
  browser = await launchBrowser();
  const now = Date.now();
  await postDeploy(vigied.url, { service: 'checkout', version: '12', commit: 'c0ffee1',
                                 author: 'Grace Hopper', time: (now - 5 * 60_000) / 1000 });
  // errors_total stays at 10 from a minute ago to a minute ahead: the rule fires at once.
  await remoteWrite(vigied.url, [{ labels: { __name__: 'errors_total', service: 'checkout' },
    samples: Array.from({ length: 25 }, (_, i) => [now - 60_000 + i * 5_000, 10]) }]);
});

test.after(async () => {
  await browser?.close();
  await vigied?.stop();
  receiver?.close();
});

async function waitFor(condition, ms, what) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a firing alert shows with its deploy; a silence made here stops its notifications',
     async () => {
  await waitFor(() => notifications.length >= 2, 20_000, 'two notifications (repeats)');
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/alerts`);
  const row = page.locator('tr.alert[data-alertname="ErrorsHigh"]');
  await row.waitFor({ timeout: 10_000 });
  assert.strictEqual(await row.locator('td').first().textContent(), 'firing');
  const deploys = await row.locator('.deploys').textContent();
  for (const want of ['checkout', '12', 'c0ffee1', 'Grace Hopper']) {
    assert.ok(deploys.includes(want), `"${deploys}" lacks ${want}`);
  }
  const graph = await row.locator('a', { hasText: 'graph' }).getAttribute('href');
  const link = new URLSearchParams(graph.split('?')[1]);
  assert.strictEqual(link.get('query'), 'errors_total{service="checkout"} > 5');
  assert.ok(Number(link.get('from')) < Date.now() / 1000 - 1700, graph);
  await screenshot(page, 'alerts');

  // The overview lists it too.
  const overview = await browser.newPage();
  await overview.goto(`${vigied.url}/`);
  await overview.locator('.overview-alerts li', { hasText: 'ErrorsHigh' }).waitFor();
  await overview.locator('.overview-deploys tr.deploy', { hasText: 'c0ffee1' }).waitFor();
  await screenshot(overview, 'overview');

  await row.locator('button[name="silence-alert"]').click();
  await page.waitForFunction(() => location.hash.includes('silence='));
  const matchers = page.locator('input[name="matchers"]');
  await page.waitForFunction(() =>
    document.querySelector('input[name="matchers"]').value.includes('alertname="ErrorsHigh"'));
  await page.fill('input[name="comment"]', 'looking into it');
  await page.fill('input[name="createdBy"]', 'on-call');
  assert.ok((await matchers.inputValue()).includes('service="checkout"'));
  await page.click('button[name="create-silence"]');
  const silence = page.locator('tr.silence-active');
  await silence.waitFor({ timeout: 5000 });
  const silencedAt = Date.now();
  assert.ok((await silence.textContent()).includes('looking into it'));
  await screenshot(page, 'alerts-silenced');

  // Repeats came every second or so; none comes once the silence is in place.
  await sleep(4000);
  const after = notifications.filter((n) => n.at > silencedAt + 500 && n.status === 'firing');
  assert.deepStrictEqual(after, [], 'a notification came through the silence');

  await silence.locator('button[name="expire"]').click();
  await page.locator('tr.silence-expired').waitFor({ timeout: 5000 });
  assert.deepStrictEqual(page.errors, []);
});

test('the timeline lists the deploy, the alert and the silence, and exports Markdown',
     async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/timeline?service=checkout&range=1h`);
  await page.locator('tr.event-silence').waitFor({ timeout: 10_000 });
  const kinds = await page.locator('tr.event td:nth-child(2)').allTextContents();
  assert.deepStrictEqual(kinds, ['deploy', 'alert firing', 'silence']);
  const markdown = await page.locator('textarea[name="markdown"]').inputValue();
  assert.match(markdown, /^## Timeline of checkout\n/);
  for (const want of ['| deploy | checkout | version 12, commit c0ffee1, by Grace Hopper',
                      '| alert firing | checkout | ErrorsHigh', 'looking into it']) {
    assert.ok(markdown.includes(want), `markdown lacks "${want}":\n${markdown}`);
  }
  await screenshot(page, 'timeline');
  // The deploys' page shows what runs where.
  await page.goto(`${vigied.url}/#/deploys`);
  await page.locator('tr.deploy', { hasText: 'c0ffee1' }).first().waitFor();
  await screenshot(page, 'deploys');
});
