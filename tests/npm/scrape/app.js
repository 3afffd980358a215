// An application exposing prom-client metrics for the collector's scrape tests: a counter with
// labels, a gauge, a histogram and a summary, observed once at start so that their values do not
// change between two scrapes (the test compares what the collector and Prometheus store). Each
// GET /bump observes more, so a test can make values move. No default metrics (process CPU and
// memory would change between the two scrapers' visits).
// Usage: node app.js PORT_FILE  (listens on 127.0.0.1:0, writes the port to PORT_FILE)
const http = require('http');
const fs = require('fs');
const client = require('prom-client');

const registry = new client.Registry();
const requests = new client.Counter({
  name: 'app_requests_total', help: 'Requests served, by "code"\\and path.',
  labelNames: ['code', 'path'], registers: [registry],
});
const queue = new client.Gauge({
  name: 'app_queue_depth', help: 'Messages waiting.', registers: [registry],
});
const latency = new client.Histogram({
  name: 'app_request_duration_seconds', help: 'Request latency.',
  buckets: [0.005, 0.05, 0.5, 5], labelNames: ['path'], registers: [registry],
});
const sizes = new client.Summary({
  name: 'app_response_bytes', help: 'Response sizes.', percentiles: [0.5, 0.9, 0.99],
  registers: [registry],
});

function observe(round) {
  requests.inc({ code: '200', path: '/api' }, 5 + round);
  requests.inc({ code: '404', path: '/a "quoted"\\path\n' }, 2);
  queue.set(1532 + round);
  for (const v of [0.001, 0.02, 0.02, 0.3, 7]) latency.observe({ path: '/api' }, v + round);
  for (const v of [100, 250, 250, 4096, 70000]) sizes.observe(v + round);
}
observe(0);

const server = http.createServer(async (req, res) => {
  if (req.url === '/bump') {
    observe(1);
    res.end('ok\n');
    return;
  }
  if (req.url !== '/metrics') {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('Content-Type', registry.contentType);
  res.end(await registry.metrics());
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(process.argv[2], String(server.address().port));
});
