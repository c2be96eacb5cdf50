'use strict';
// End to end with a real client against RocketMQ's 2m-noslave layout: two
// rmq-namesrv, two rmq-broker masters (broker-a, broker-b: one cluster,
// brokerId 0, both nameservers in namesrvAddr), an ali-ons producer given
// both nameservers.
//
//   node two_brokers.test.js [--scenario kill9|expiry]
//                            [--namesrv BIN] [--broker BIN] [--store-tool BIN]
//
// Both scenarios: a topic created on both brokers is routed to both by BOTH
// nameservers (GET_ROUTEINFO_BY_TOPIC); the producer's messages are all
// acknowledged and land on both brokers (GET_MAX_OFFSET, and at the end the
// brokers' stores read back with `rmq-store dump`).
//
// kill9: broker-b is killed with SIGKILL. Its connections close, so both
//   nameservers must drop it within seconds; sends made meanwhile and after
//   are all acknowledged, by broker-a. broker-b's store (an unclean shutdown)
//   still holds every message it acknowledged.
// expiry: broker-b is frozen with SIGSTOP: its connections stay open and it
//   goes silent, so only the nameservers' expiry (rmqBrokerExpiredSeconds)
//   can drop it. broker-a, registering every registerNameServerPeriod, must
//   stay routed the whole time (the expiry must exceed that period, 10 s at
//   least: a 3 s expiry would drop and re-add live brokers every scan).
//   After SIGCONT broker-b re-registers and takes messages again.

const assert = require('node:assert/strict');
const { runTest, waitFor } = require('./lib/cluster');
const remoting = require('./lib/remoting');
const { startProducer, closeProducer, forEachConcurrent } = require('./lib/producer_util');

const TOPIC = 'RmqE2eTwoBrokersTopic';
const QUEUES = 4;
// RocketMQ clamps registerNameServerPeriod to >= 10 s; the expiry must be
// longer than the period, with room for a slow registration.
const REGISTER_PERIOD_MS = 10000;
const EXPIRY_SECONDS = 13;
const SCAN_INTERVAL_MS = 10000; // the nameserver's fixed scan period

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SCENARIO = argValue('--scenario', 'kill9');
if (!['kill9', 'expiry'].includes(SCENARIO)) {
  console.error(`unknown --scenario ${SCENARIO} (kill9 or expiry)`);
  process.exit(2);
}

runTest(`two_brokers_${SCENARIO}`, async ({ makeCluster, log }) => {
  const { Message } = require('ali-ons');
  const cluster = makeCluster();
  const expiry = SCENARIO === 'expiry';
  const namesrvProps = expiry ? { rmqBrokerExpiredSeconds: EXPIRY_SECONDS } : {};
  const brokerProps = expiry ? { registerNameServerPeriod: REGISTER_PERIOD_MS } : {};
  const namesrvs = [
    await cluster.startNamesrv('namesrv-1', namesrvProps),
    await cluster.startNamesrv('namesrv-2', namesrvProps),
  ];
  const a = await cluster.startBroker('broker-a', namesrvs, brokerProps);
  const b = await cluster.startBroker('broker-b', namesrvs, brokerProps);
  log(`namesrvs ${namesrvs.map(n => n.addr).join(' ')}; broker-a ${a.addr}, broker-b ${b.addr}`);

  // brokerName -> master address for TOPIC, as each nameserver routes it.
  const routes = () => Promise.all(namesrvs.map(async ns =>
    remoting.routeMasters(await remoting.getRoute(ns.addr, TOPIC))));
  const describe = all => all.map((m, i) =>
    `${namesrvs[i].name}: {${[...m].map(([k, v]) => `${k}=${v}`).join(', ')}}`).join('; ');
  // True when every nameserver routes TOPIC to exactly `brokers`; else what
  // they route it to (waitFor reports the last one).
  const routedTo = async brokers => {
    const all = await routes();
    const want = brokers.map(x => `${x.name}=${x.addr}`).sort().join(',');
    if (all.every(m => [...m].map(([k, v]) => `${k}=${v}`).sort().join(',') === want)) return true;
    return describe(all);
  };

  await remoting.createTopic(a.addr, TOPIC, QUEUES);
  await remoting.createTopic(b.addr, TOPIC, QUEUES);
  await waitFor('both nameservers to route the topic to both brokers',
    () => routedTo([a, b]), { timeoutMs: 10000 });
  for (const ns of namesrvs) {
    const route = await remoting.getRoute(ns.addr, TOPIC);
    assert.deepEqual(route.brokerDatas.map(d => d.cluster), ['DefaultCluster', 'DefaultCluster'],
      `${ns.name}: the brokers' cluster`);
    assert.equal(route.queueDatas.length, 2, `${ns.name}: queue data per broker`);
    for (const q of route.queueDatas) {
      assert.equal(q.writeQueueNums, QUEUES, `${ns.name}: ${q.brokerName} write queues`);
      assert.equal(q.readQueueNums, QUEUES, `${ns.name}: ${q.brokerName} read queues`);
      assert.equal(q.perm, 6, `${ns.name}: ${q.brokerName} perm`);
    }
  }
  log(`topic ${TOPIC} created on both brokers; both nameservers route it to both`);

  const producer = await startProducer(namesrvs.map(n => n.addr), {
    pollNameServerInteval: 1000,
    sendMsgTimeout: expiry ? 1000 : 3000,
  });
  const acked = { 'broker-a': new Set(), 'broker-b': new Set() };
  let sequence = 0;
  // Sends `count` messages; every one must be acknowledged SEND_OK, and by
  // one of `allowed` (broker names). Returns the per-broker counts.
  const sendBatch = async (label, count, allowed, concurrency = 16) => {
    const counts = { 'broker-a': 0, 'broker-b': 0 };
    const started = Date.now();
    await forEachConcurrent(count, concurrency, async () => {
      const n = sequence++;
      const key = `two-brokers-${process.pid}-${n}`;
      const msg = new Message(TOPIC, n % 2 ? 'TagB' : 'TagA', `body of ${key}`);
      msg.keys = [key];
      const result = await producer.send(msg);
      assert.equal(result.sendStatus, 'SEND_OK', `${label}: ${JSON.stringify(result)}`);
      const broker = result.messageQueue.brokerName;
      assert.ok(allowed.includes(broker), `${label}: acknowledged by ${broker}`);
      assert.equal(remoting.decodeOffsetMsgId(result.msgId).addr,
        broker === 'broker-a' ? a.addr : b.addr, `${label}: msgId names ${broker}'s address`);
      acked[broker].add(key);
      counts[broker]++;
    });
    log(`${label}: ${count} sent, all SEND_OK in ${Date.now() - started} ms ` +
      `(broker-a ${counts['broker-a']}, broker-b ${counts['broker-b']})`);
    return counts;
  };
  // Waits until ali-ons itself, refreshing routes from the nameservers every
  // second, publishes to `brokerName` only (this peeks at the pinned client's
  // internal table: there is no public API for it).
  const producerRoutesOnlyTo = async brokerName => {
    const started = Date.now();
    await waitFor(`the producer to route ${TOPIC} to ${brokerName} only`, () => {
      const info = producer._topicPublishInfoTable.get(TOPIC);
      const names = new Set(info ? info.messageQueueList.map(q => q.brokerName) : []);
      return (names.size === 1 && names.has(brokerName)) || [...names].join(',');
    }, { timeoutMs: 10000 });
    log(`ali-ons routes ${TOPIC} to ${brokerName} only (after ${Date.now() - started} ms)`);
  };
  const storedCount = async broker => {
    const connection = await new remoting.Connection(broker.addr).connect();
    try {
      let total = 0;
      for (let q = 0; q < QUEUES; q++) total += await remoting.getMaxOffset(connection, TOPIC, q);
      return total;
    } finally {
      connection.close();
    }
  };
  const storedKeys = broker => {
    const out = cluster.runStoreTool(['dump', '--store', broker.storeDir,
      '--config', broker.configFile, '--topic', TOPIC]);
    const keys = new Map();
    for (const line of out.split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      keys.set(r.keys, (keys.get(r.keys) || 0) + 1);
    }
    return keys;
  };

  const first = await sendBatch('both brokers up', 400, ['broker-a', 'broker-b']);
  assert.ok(first['broker-a'] > 0 && first['broker-b'] > 0,
    'the producer spread messages over both brokers');
  assert.equal(await storedCount(a), acked['broker-a'].size, 'broker-a queue offsets');
  assert.equal(await storedCount(b), acked['broker-b'].size, 'broker-b queue offsets');
  log('GET_MAX_OFFSET on each broker matches what it acknowledged');

  if (SCENARIO === 'kill9') {
    const bAcked = new Set(acked['broker-b']);
    const killedAt = Date.now();
    await b.kill9AndWait();
    log(`broker-b killed with SIGKILL`);
    // Sends race the nameservers' clean-up: the producer still routes half
    // of them to broker-b, fails over, and every one must be acknowledged.
    const [goneMs] = await Promise.all([
      waitFor('both nameservers to drop broker-b', () => routedTo([a]),
        { timeoutMs: 10000, intervalMs: 50 }).then(() => Date.now() - killedAt),
      sendBatch('right after the kill', 200, ['broker-a']),
    ]);
    log(`broker-b gone from both nameservers' routes ${goneMs} ms after the kill`);
    await producerRoutesOnlyTo('broker-a');
    await sendBatch('after the route change', 200, ['broker-a']);
    assert.equal(await storedCount(a), acked['broker-a'].size, 'broker-a queue offsets');

    // broker-b's store, after an unclean exit, holds every message it
    // acknowledged, once.
    const onB = storedKeys(b);
    for (const key of bAcked) assert.equal(onB.get(key), 1, `broker-b store: ${key}`);
    assert.equal(onB.size, bAcked.size, 'broker-b store: messages it never acknowledged');
    log(`broker-b store after SIGKILL: all ${bAcked.size} acknowledged messages, once each`);
  } else {
    const pausedAt = Date.now();
    await b.pause();
    log('broker-b frozen with SIGSTOP');
    let aMissing = 0;
    let samples = 0;
    const watchA = async () => {
      // broker-a must never leave either route while broker-b expires.
      const all = await routes();
      samples++;
      if (!all.every(m => m.get('broker-a') === a.addr)) {
        aMissing++;
        log(`broker-a missing from a route: ${describe(all)}`);
      }
      return all.every(m => m.size === 1 && m.get('broker-a') === a.addr) || describe(all);
    };
    const [goneMs] = await Promise.all([
      waitFor('both nameservers to expire broker-b', watchA, {
        timeoutMs: EXPIRY_SECONDS * 1000 + SCAN_INTERVAL_MS + 10000, intervalMs: 250,
      }).then(() => Date.now() - pausedAt),
      // Sends to the frozen broker time out (1 s) and fail over to broker-a.
      sendBatch('while broker-b is frozen', 20, ['broker-a'], 4),
    ]);
    assert.equal(aMissing, 0, `broker-a left a route in ${aMissing} of ${samples} samples`);
    assert.ok(goneMs >= (EXPIRY_SECONDS - 1) * 1000,
      `broker-b dropped after ${goneMs} ms, before its expiry of ${EXPIRY_SECONDS} s`);
    log(`broker-b expired from both nameservers ${goneMs} ms after SIGSTOP ` +
      `(expiry ${EXPIRY_SECONDS} s); broker-a routed in all ${samples} samples`);
    await producerRoutesOnlyTo('broker-a');
    await sendBatch('after the expiry', 200, ['broker-a']);

    b.resume();
    const resumedAt = Date.now();
    await waitFor('broker-b to re-register with both nameservers', () => routedTo([a, b]),
      { timeoutMs: REGISTER_PERIOD_MS + 10000, intervalMs: 100 });
    log(`broker-b routed again ${Date.now() - resumedAt} ms after SIGCONT`);
    // The producer refreshes routes every second: sends reach broker-b again.
    await waitFor('a send acknowledged by broker-b', async () =>
      (await sendBatch('after SIGCONT', 20, ['broker-a', 'broker-b'], 4))['broker-b'] > 0,
    { timeoutMs: 15000, intervalMs: 100 });

    // broker-a never timed out, so its offsets are exact; broker-b may also
    // have stored requests that timed out while it was frozen (the producer
    // had already retried them on broker-a): at least what it acknowledged.
    assert.equal(await storedCount(a), acked['broker-a'].size, 'broker-a queue offsets');
    const onB = await storedCount(b);
    assert.ok(onB >= acked['broker-b'].size,
      `broker-b stores ${onB} messages, acknowledged ${acked['broker-b'].size}`);
    log(`broker-a stores exactly its ${acked['broker-a'].size} acknowledged messages; ` +
      `broker-b ${onB} for ${acked['broker-b'].size} acknowledged`);
  }

  await closeProducer(producer);
  const exit = await a.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, 'broker-a exit after SIGTERM');
  const onA = storedKeys(a);
  for (const key of acked['broker-a']) assert.equal(onA.get(key), 1, `broker-a store: ${key}`);
  assert.equal(onA.size, acked['broker-a'].size, 'broker-a store: messages it never acknowledged');
  log(`broker-a store: all ${acked['broker-a'].size} acknowledged messages, once each`);
});
