'use strict';
// Helpers around ali-ons's Producer shared by the tests.

const zlib = require('node:zlib');

// ali-ons logs through console by default; keep its warnings and errors but
// drop the one it prints on every route refresh.
const quietLogger = {
  info() {},
  debug() {},
  warn(...args) {
    if (typeof args[0] === 'string' && args[0].includes('prev is not null')) return;
    console.warn('ali-ons warn:', ...args);
  },
  error(...args) {
    console.error('ali-ons error:', ...args);
  },
};

// A started ali-ons Producer talking to our nameserver(s) the way its
// README-less open-source setup needs: `nameSrv` (one address or an array)
// and a dummy `httpclient` (asserted present, unused when nameSrv is given),
// no accessKey (so no ONS signature).
async function startProducer(nameSrv, options = {}) {
  const { Producer } = require('ali-ons');
  const errors = [];
  const producer = new Producer(Object.assign({
    nameSrv,
    httpclient: {},
    producerGroup: 'rmq_e2e_producer',
    logger: quietLogger,
  }, options));
  producer.on('error', err => errors.push(err));
  await producer.ready();
  producer.e2eErrors = errors;
  return producer;
}

// Closes the producer. ali-ons sends UNREGISTER_CLIENT to every broker it
// ever used, a dead one included, and then fails with ECONNREFUSED: that is
// the client's business, not the servers', so it is only logged.
async function closeProducer(producer) {
  try {
    await producer.close();
  } catch (err) {
    console.warn(`ali-ons close: ${err.message} (ignored)`);
  }
}

// Runs `task(i)` for i in [0, count) with at most `concurrency` in flight;
// resolves with the results in order, rejects on the first failure.
async function forEachConcurrent(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  let failed = null;
  const worker = async () => {
    while (failed === null && next < count) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (err) {
        failed = failed || err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failed !== null) throw failed;
  return results;
}

// The body bytes a producer meant, from a stored body and its sysFlag
// (bit 0: compressed, zlib, as ali-ons and Java compress above 4 KiB).
function originalBody(storedBody, sysFlag) {
  return (sysFlag & 1) ? zlib.inflateSync(storedBody) : storedBody;
}

module.exports = { startProducer, closeProducer, forEachConcurrent, originalBody, quietLogger };
