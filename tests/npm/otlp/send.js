// Sends metrics and logs to vigied with the official OpenTelemetry JS SDK and one of its OTLP
// exporters, as an application would. Used by tests/integration/otlp_test.cc.
//
//   node send.js <grpc|http-json|http-proto> <base URL> <service name>
//
// With the service `<name>` (cumulative temporality) and `<name>-delta` (delta temporality):
// the same measurements, exported in two collections:
//   counter     demo.requests {request}  route=/a: 3 then 4 more; route=/b: 2
//   up-down     demo.queue.depth         +5 -2, then -1
//   histogram   demo.latency s, bounds [0.01, 0.1, 1]: 0.003 0.2 4, then 0.05
// Then two log records (ERROR with attributes, INFO). Exits 1, saying why, when vigied did not
// accept an export.
'use strict';

const { resourceFromAttributes } = require('@opentelemetry/resources');
const {
  MeterProvider,
  PeriodicExportingMetricReader,
} = require('@opentelemetry/sdk-metrics');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { AggregationTemporalityPreference } = require('@opentelemetry/exporter-metrics-otlp-http');

const [mode, base, service] = process.argv.slice(2);
if (!mode || !base || !service) {
  console.error('usage: node send.js <grpc|http-json|http-proto> <base URL> <service name>');
  process.exit(2);
}

const packages = {
  grpc: ['@opentelemetry/exporter-metrics-otlp-grpc', '@opentelemetry/exporter-logs-otlp-grpc'],
  'http-json': ['@opentelemetry/exporter-metrics-otlp-http',
                '@opentelemetry/exporter-logs-otlp-http'],
  'http-proto': ['@opentelemetry/exporter-metrics-otlp-proto',
                 '@opentelemetry/exporter-logs-otlp-proto'],
}[mode];
if (!packages) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const { OTLPMetricExporter } = require(packages[0]);
const { OTLPLogExporter } = require(packages[1]);

function options(path, extra) {
  // gRPC takes the server's address; OTLP/HTTP the full URL. JSON goes gzip'ed.
  const url = mode === 'grpc' ? base : base + path;
  return { url, ...(mode === 'http-json' ? { compression: 'gzip' } : {}), ...extra };
}

const failures = [];
// Records the result of every export, so that a refused one fails the script.
function watched(exporter, what) {
  const exportFn = exporter.export.bind(exporter);
  exporter.export = (items, done) => exportFn(items, (result) => {
    if (result.code !== 0) failures.push(`${what}: ${result.error && result.error.message}`);
    done(result);
  });
  return exporter;
}

async function sendMetrics(serviceName, temporalityPreference) {
  const exporter = watched(new OTLPMetricExporter(
      options('/v1/metrics', { temporalityPreference })), `metrics of ${serviceName}`);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': serviceName,
      'service.instance.id': 'instance-1',
      'host.name': 'test-host',
    }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3600000 })],
  });
  const meter = provider.getMeter('demo-meter', '1.2.3');
  const requests = meter.createCounter('demo.requests', { unit: '{request}' });
  const depth = meter.createUpDownCounter('demo.queue.depth');
  const latency = meter.createHistogram('demo.latency', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1] },
  });
  requests.add(3, { route: '/a' });
  requests.add(2, { route: '/b' });
  depth.add(5);
  depth.add(-2);
  for (const v of [0.003, 0.2, 4]) latency.record(v);
  await provider.forceFlush();
  requests.add(4, { route: '/a' });
  depth.add(-1);
  latency.record(0.05);
  await provider.forceFlush();
  await provider.shutdown();
}

async function sendLogs(serviceName) {
  const exporter = watched(new OTLPLogExporter(options('/v1/logs', {})), `logs of ${serviceName}`);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('demo-logger');
  logger.emit({
    severityNumber: 17,
    severityText: 'ERROR',
    body: 'payment failed',
    attributes: { 'order.id': 'A-17', attempt: 3 },
  });
  logger.emit({ severityNumber: 9, body: 'user logged in', attributes: { user: 'ann' } });
  await provider.forceFlush();
  await provider.shutdown();
}

(async () => {
  await sendMetrics(service, AggregationTemporalityPreference.CUMULATIVE);
  await sendMetrics(`${service}-delta`, AggregationTemporalityPreference.DELTA);
  await sendLogs(service);
  if (failures.length > 0) {
    console.error(`vigied refused exports:\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`sent over ${mode}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
