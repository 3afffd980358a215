// A backend for Etsy's statsd that appends each flush, as Etsy's daemon computed it, as one JSON
// line to config.jsonBackend.file: the reference the collector's StatsD tests compare with.
const fs = require('fs');

exports.init = function (startupTime, config, events) {
  events.on('flush', function (timestamp, metrics) {
    const sets = {};
    for (const key in metrics.sets) sets[key] = metrics.sets[key].values().length;
    const flush = {
      timestamp,
      counters: metrics.counters,
      gauges: metrics.gauges,
      timer_data: metrics.timer_data,
      sets,
    };
    // Synchronous: the last flush runs in the process's exit handler.
    fs.appendFileSync(config.jsonBackend.file, JSON.stringify(flush) + '\n');
  });
  return true;
};
