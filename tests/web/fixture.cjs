// What the web UI's tests share: a real vigied on free loopback ports with its own data
// directory, a real vigie-collector shipping to it, Debian's chromium driven by
// playwright-core, and the tests' inputs: Loki push, Prometheus remote_write (protobuf +
// snappy, encoded here), deploys over the HTTP API.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const binDir = process.env.VIGIE_BIN_DIR;
const screenshotDir = process.env.VIGIE_SCREENSHOTS;
if (!binDir || !screenshotDir) {
  throw new Error('VIGIE_BIN_DIR and VIGIE_SCREENSHOTS must be set (ctest sets them)');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Spawns `binary` (under VIGIE_BIN_DIR) with `args`, its output to `logPath`; resolves with the
// addresses it writes to `ready` once it does, and a stop() that ends it (SIGTERM, then SIGKILL).
async function spawnUntilReady(binary, args, ready, logPath) {
  const log = fs.openSync(logPath, 'w');
  const child = spawn(path.join(binDir, binary), args, { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => { exited = code ?? signal; });
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(ready)) {
    if (exited !== null || Date.now() > deadline) {
      throw new Error(`${binary} did not start (${exited}):\n${fs.readFileSync(logPath, 'utf8')}`);
    }
    await sleep(20);
  }
  return {
    addresses: JSON.parse(fs.readFileSync(ready, 'utf8')),
    async stop() {
      if (exited !== null) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 200 && exited === null; ++i) await sleep(25);
      if (exited === null) child.kill('SIGKILL');
    },
  };
}

// Starts vigied with `args` beside the defaults; resolves once its ready file names its ports.
async function startVigied(args = [], files = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-web-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const logPath = path.join(dir, 'vigied.log');
  const child = await spawnUntilReady(path.join('server', 'vigied'), [
    '--data-dir', path.join(dir, 'data'), '--grpc-listen', '127.0.0.1:0',
    '--http-listen', '127.0.0.1:0', '--ready-file', path.join(dir, 'ready.json'),
    ...args.map((a) => a.replaceAll('$DIR', dir)),
  ], path.join(dir, 'ready.json'), logPath);
  return {
    url: `http://${child.addresses.http}`,
    grpc: child.addresses.grpc,
    dir,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      await child.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Starts vigie-collector shipping to `vigied` over gRPC with the configuration `configYaml`
// (docs/collector.md), in a folder of its own: `$DIR` in the YAML names that folder.
async function startCollector(vigied, configYaml) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-web-collector-'));
  const config = path.join(dir, 'collector.yaml');
  fs.writeFileSync(config, configYaml.replaceAll('$DIR', dir));
  const logPath = path.join(dir, 'collector.log');
  const ready = path.join(dir, 'ready.json');
  const child = await spawnUntilReady(path.join('collector', 'vigie-collector'), [
    '--config', config, '--server', vigied.grpc, '--state-dir', path.join(dir, 'state'),
    '--metrics-listen', '127.0.0.1:0', '--ready-file', ready,
  ], ready, logPath);
  return {
    dir,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      await child.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Chromium as the brief of docs/web.md says: headless, no sandbox (tests run as root), nothing
// reaching the network, a fresh profile.
async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.VIGIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1366, height: 768 },  // A laptop's screen.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      return page;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function screenshot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function expectOk(res, what) {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}: ${await res.text()}`);
  return res;
}

// Loki push: streams as [{labels: {...}, lines: [[ms, text], ...]}].
async function pushLogs(base, streams, token) {
  const body = {
    streams: streams.map((s) => ({
      stream: s.labels,
      values: s.lines.map(([ms, text]) => [`${BigInt(Math.round(ms)) * 1000000n}`, text]),
    })),
  };
  await expectOk(await fetch(`${base}/loki/api/v1/push`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...authHeaders(token) },
  }), 'Loki push');
}

// Protobuf, just enough of it for Prometheus's WriteRequest.
function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
function field(number, wireType, payload) {
  return Buffer.concat([varint((number << 3) | wireType), payload]);
}
function bytesField(number, bytes) {
  return field(number, 2, Buffer.concat([varint(bytes.length), bytes]));
}
function writeRequest(series) {
  return Buffer.concat(series.map((s) => {
    const labels = Object.keys(s.labels).sort().map((k) => bytesField(1, Buffer.concat([
      bytesField(1, Buffer.from(k)), bytesField(2, Buffer.from(s.labels[k]))])));
    const samples = s.samples.map(([ms, value]) => {
      const double = Buffer.alloc(8);
      double.writeDoubleLE(value);
      return bytesField(2, Buffer.concat([field(1, 1, double), field(2, 0, varint(ms))]));
    });
    return bytesField(1, Buffer.concat([...labels, ...samples]));
  }));
}

// Snappy's block format with literals only: valid snappy that any decoder reads.
function snappyLiterals(data) {
  const parts = [varint(data.length)];
  for (let at = 0; at < data.length; at += 65536) {
    const chunk = data.subarray(at, at + 65536);
    const n = chunk.length - 1;
    if (n < 60) parts.push(Buffer.from([n << 2]));
    else if (n < 256) parts.push(Buffer.from([60 << 2, n]));
    else parts.push(Buffer.from([61 << 2, n & 0xff, n >> 8]));
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

// Prometheus remote_write: series as [{labels: {__name__, ...}, samples: [[ms, value], ...]}].
async function remoteWrite(base, series, token) {
  await expectOk(await fetch(`${base}/api/v1/write`, {
    method: 'POST', body: snappyLiterals(writeRequest(series)),
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy',
               'X-Prometheus-Remote-Write-Version': '0.1.0', ...authHeaders(token) },
  }), 'remote_write');
}

async function postDeploy(base, deploy, token) {
  const res = await expectOk(await fetch(`${base}/api/v1/deploys`, {
    method: 'POST', body: JSON.stringify(deploy),
    headers: { 'Content-Type': 'application/json', ...authHeaders(token) },
  }), 'deploy');
  return (await res.json()).data;
}

module.exports = { startVigied, startCollector, launchBrowser, screenshot, pushLogs, remoteWrite,
                   postDeploy, sleep };
