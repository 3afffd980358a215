// Sends a scripted mix of StatsD metrics through two real client libraries, hot-shots and
// node-statsd (Etsy's Node client): counters with sample rates, gauges with deltas, timers,
// sets and DogStatsD tags.
//
//   node send.js udp <port> [<port>...]   both clients send to a relay on loopback that copies
//                                         every datagram to each port, so that the collector and
//                                         Etsy's statsd receive the very same packets (the
//                                         clients' sampling is random)
//   node send.js tcp <port>               hot-shots over TCP to <port>, no sampling
//
// Prints {"datagrams": n} (udp) once everything is sent.
const dgram = require('dgram');
const StatsD = require('hot-shots');
const NodeStatsd = require('node-statsd');

const [mode, ...ports] = process.argv.slice(2);

const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

// The same script for each client; `tags` only where the client has them. It pauses between
// rounds so that the relay reads as it goes: a burst of hundreds of datagrams overflows a
// socket's default receive buffer.
async function script(client, hasTags) {
  for (let i = 0; i < 40; i++) {
    client.increment('logins');
    client.increment('logins.sampled', 2, 0.5);
    client.timing('db.query', 3 + ((i * 37) % 101));
    client.set('users', 'user' + (i % 7));
    await pause();
  }
  client.gauge('queue.depth', 100);
  client.gauge('queue.depth', '-30');  // A change, as the protocol writes it.
  client.gauge('queue.depth', '+5');
  client.increment('logins.sampled', 1, 0.25);
  client.timing('single', 250);
  if (hasTags) {
    client.increment('http.requests', 3, ['route:login', 'code:200']);
    client.increment('http.requests', 1, ['code:200', 'route:login']);
    client.increment('http.requests', 2, ['route:login', 'code:500']);
    client.gaugeDelta('temperature', 21.5);
    client.gaugeDelta('temperature', -1.5);
  }
}

function sendTcp(port) {
  const client = new StatsD({host: '127.0.0.1', port, protocol: 'tcp', prefix: 'tcp.'});
  client.increment('orders', 7);
  client.gauge('stock', 42);
  client.timing('latency', 120);
  client.timing('latency', 80);
  client.close(() => process.exit(0));
}

function sendUdp(targets) {
  const out = dgram.createSocket('udp4');
  const relay = dgram.createSocket('udp4');
  let datagrams = 0, copying = 0, last = Date.now();
  relay.on('message', (message) => {
    datagrams++;
    last = Date.now();
    for (const port of targets) {
      copying++;
      out.send(message, port, '127.0.0.1', () => copying--);
    }
  });
  relay.bind(0, '127.0.0.1', async () => {
    const port = relay.address().port;
    const hotShots = new StatsD({host: '127.0.0.1', port, prefix: 'hs.'});
    const nodeStatsd = new NodeStatsd({host: '127.0.0.1', port, prefix: 'ns.'});
    await script(hotShots, true);
    await script(nodeStatsd, false);
    // Closing a client drops what it has not sent yet: let the sends go out first.
    setTimeout(() => {
      hotShots.close();
      nodeStatsd.close();
    }, 300);
    // Done once nothing has arrived for half a second and every copy is out.
    const timer = setInterval(() => {
      if (copying > 0 || Date.now() - last < 800) return;
      clearInterval(timer);
      console.log(JSON.stringify({datagrams}));
      process.exit(0);
    }, 100);
  });
}

if (mode === 'tcp') {
  sendTcp(Number(ports[0]));
} else {
  sendUdp(ports.map(Number));
}
