// With tokens on: the page asks for one, keeps it in sessionStorage, and the live tail works
// through a one-use ticket (a browser's WebSocket cannot send the Authorization header).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startVigied, launchBrowser, screenshot, pushLogs } = require('./fixture.cjs');

const TOKEN = 'web-test-token-0123456789';
let vigied;
let browser;

test.before(async () => {
  vigied = await startVigied(['--token-file', '$DIR/tokens'],
                             { tokens: `${TOKEN} query,ingest,admin\n` });
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
  await vigied?.stop();
});

test('the page asks for a token and the live view works with it', async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/logs?query=${encodeURIComponent('{service="secure"}')}&live=1`);
  const dialog = page.locator('dialog.token-dialog');
  await dialog.waitFor({ state: 'visible', timeout: 5000 });
  await screenshot(page, 'auth-token-dialog');
  await page.fill('dialog input[name="token"]', TOKEN);
  await page.click('dialog button[type="submit"]');
  await page.locator('.live-state', { hasText: 'live' }).waitFor({ timeout: 5000 });
  assert.strictEqual(await page.evaluate(() => sessionStorage.getItem('vigie.token')), TOKEN);
  await pushLogs(vigied.url, [{ labels: { service: 'secure' }, lines: [[Date.now(), 'authorised line']] }],
                 TOKEN);
  await page.locator('.log-line .text', { hasText: 'authorised line' }).waitFor({ timeout: 2000 });
  // A reload in the same tab keeps the token: no dialog.
  await page.reload();
  await page.locator('.live-state', { hasText: 'live' }).waitFor({ timeout: 5000 });
  assert.strictEqual(await page.locator('dialog.token-dialog').count(), 0);
});

test('the tail refuses a browser without a ticket, and a ticket used twice', async () => {
  const page = await browser.newPage();
  await page.goto(`${vigied.url}/#/overview`);
  await page.locator('dialog.token-dialog').waitFor({ state: 'visible', timeout: 5000 });
  const outcome = await page.evaluate(async (token) => {
    const open = (url) => new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => { ws.close(); resolve('open'); };
      ws.onerror = () => resolve('refused');
    });
    const base = `ws://${location.host}/loki/api/v1/tail?query=${encodeURIComponent('{a="b"}')}`;
    const res = await fetch('/api/v1/tail/ticket', { method: 'POST',
                                                     headers: { Authorization: `Bearer ${token}` } });
    const ticket = (await res.json()).data.ticket;
    const unauthenticated = await fetch('/api/v1/tail/ticket', { method: 'POST' });
    return { none: await open(base), first: await open(`${base}&ticket=${ticket}`),
             second: await open(`${base}&ticket=${ticket}`),
             forged: await open(`${base}&ticket=00000000000000000000000000000000`),
             ticketWithoutToken: unauthenticated.status };
  }, TOKEN);
  assert.deepStrictEqual(outcome, { none: 'refused', first: 'open', second: 'refused',
                                    forged: 'refused', ticketWithoutToken: 401 });
});
