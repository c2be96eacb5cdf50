'use strict';
// End to end with a real client: one rmq-namesrv, one rmq-broker, and an
// ali-ons producer sending 10,000 messages with tags, keys and bodies.
//
//   node producer.test.js [--namesrv BIN] [--broker BIN] [--store-tool BIN]
//                         [--messages N] [--flush ASYNC_FLUSH|SYNC_FLUSH]
//
// 1. Every send is acknowledged SEND_OK, with distinct offsetMsgIds and
//    per-queue offsets 0..n-1 without gaps.
// 2. After SIGTERM (clean exit, code 0) `rmq-store dump` of the broker's store
//    holds every message exactly once, with its topic, tags, keys, body,
//    queue, queue offset and msgId (both through the topic's consume queues
//    and through the whole commit log).
// 3. Restarted on the same store, the broker re-registers with the
//    nameserver and answers QUERY_MESSAGE (by key) and VIEW_MESSAGE_BY_ID
//    (by the offsetMsgId's commit-log offset) with the same messages.
//
// ali-ons and a topic the nameserver does not know: its route lookup gets
// TOPIC_NOT_EXIST, which ali-ons turns into an exception (it never falls back
// to TBW102's route, remoting-protocol.md §13.9), so the test creates the
// topic first with UPDATE_AND_CREATE_TOPIC, as an operator would with mqadmin.
// ali-ons has no query/view API (its viewMessage is commented out), so steps
// 3 use the minimal remoting client in lib/remoting.js.

const assert = require('node:assert/strict');
const { runTest, waitFor } = require('./lib/cluster');
const remoting = require('./lib/remoting');
const { startProducer, closeProducer, forEachConcurrent, originalBody } = require('./lib/producer_util');

const TOPIC = 'RmqE2eProducerTopic';
const QUEUES = 4;
const SEND_CONCURRENCY = 32;
const LOOKUP_CONCURRENCY = 16;

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const COUNT = Number(argValue('--messages', 10000));
const FLUSH = argValue('--flush', 'ASYNC_FLUSH');

// Message i: TagA/TagB alternating, one unique key, a body of varying length;
// every 1000th body is 6 KiB so ali-ons compresses it (sysFlag bit 0).
function expected(runId, i) {
  const tag = i % 2 === 0 ? 'TagA' : 'TagB';
  const key = `e2e-${runId}-${i}`;
  let text = `message ${i} of ${runId} \u00e9\u20ac `;
  if (i % 1000 === 999) {
    text = text.padEnd(6144, `#${i}`);
  } else {
    text = text.padEnd(text.length + (i * 7) % 200, 'abcdefghij');
  }
  return { tag, key, body: Buffer.from(text, 'utf8') };
}

runTest('ali_ons_producer', async ({ makeCluster, log }) => {
  const { Message } = require('ali-ons');
  const cluster = makeCluster();
  const namesrv = await cluster.startNamesrv('namesrv');
  const broker = await cluster.startBroker('broker-a', [namesrv],
    { autoCreateTopicEnable: 'true', flushDiskType: FLUSH });
  log(`namesrv ${namesrv.addr}, broker ${broker.addr} (pid ${broker.pid}, ${FLUSH})`);

  await remoting.createTopic(broker.addr, TOPIC, QUEUES);
  await waitFor(`route of ${TOPIC} on the nameserver`, async () => {
    const route = await remoting.getRoute(namesrv.addr, TOPIC);
    return remoting.routeMasters(route).get('broker-a') === broker.addr || JSON.stringify(route);
  });
  log(`topic ${TOPIC} created with ${QUEUES} queues, route visible`);

  // ---- 1. send -----------------------------------------------------------
  const runId = `${process.pid}-${Date.now()}`;
  const producer = await startProducer(namesrv.addr);
  const sendStart = Date.now();
  const results = await forEachConcurrent(COUNT, SEND_CONCURRENCY, async i => {
    const want = expected(runId, i);
    const msg = new Message(TOPIC, want.tag, want.body);
    msg.keys = [want.key];
    const result = await producer.send(msg);
    assert.equal(result.sendStatus, 'SEND_OK', `message ${i}: ${JSON.stringify(result)}`);
    return result;
  });
  const sendMs = Date.now() - sendStart;
  log(`sent ${COUNT} messages, all SEND_OK, in ${sendMs} ms ` +
    `(${Math.round(COUNT * 1000 / sendMs)} msg/s, ${SEND_CONCURRENCY} in flight)`);
  assert.deepEqual(producer.e2eErrors, [], 'ali-ons reported errors');
  await closeProducer(producer);

  const msgIds = new Set();
  const offsetsByQueue = new Map();
  results.forEach((r, i) => {
    assert.equal(r.messageQueue.brokerName, 'broker-a', `message ${i}`);
    assert.match(r.msgId, /^7F000001[0-9A-F]{24}$/, `message ${i}: offsetMsgId`);
    assert.equal(remoting.decodeOffsetMsgId(r.msgId).addr, broker.addr,
      `message ${i}: the offsetMsgId names the broker's address`);
    assert.ok(!msgIds.has(r.msgId), `message ${i}: msgId ${r.msgId} given twice`);
    msgIds.add(r.msgId);
    const queueId = Number(r.messageQueue.queueId);
    assert.ok(queueId >= 0 && queueId < QUEUES, `message ${i}: queue ${queueId}`);
    if (!offsetsByQueue.has(queueId)) offsetsByQueue.set(queueId, []);
    offsetsByQueue.get(queueId).push(r.queueOffset);
  });
  for (const [queueId, offsets] of offsetsByQueue) {
    offsets.sort((a, b) => a - b);
    offsets.forEach((offset, n) => {
      assert.equal(offset, n, `queue ${queueId}: offsets not 0..${offsets.length - 1}`);
    });
  }
  log(`acknowledgements consistent: ${msgIds.size} distinct msgIds, queues ` +
    [...offsetsByQueue].sort((a, b) => a[0] - b[0]).map(([q, o]) => `${q}:${o.length}`).join(' '));

  // ---- 2. stop, dump the store --------------------------------------------
  const exit = await broker.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, 'broker exit after SIGTERM');
  log('broker stopped with SIGTERM (exit code 0)');

  const checkDump = (what, stdout) => {
    const records = stdout.split('\n').filter(Boolean).map(line => JSON.parse(line))
      .filter(r => r.topic === TOPIC);
    assert.equal(records.length, COUNT, `${what}: messages of ${TOPIC}`);
    const byKey = new Map();
    for (const r of records) {
      assert.ok(!byKey.has(r.keys), `${what}: key ${r.keys} stored twice`);
      byKey.set(r.keys, r);
    }
    for (let i = 0; i < COUNT; i++) {
      const want = expected(runId, i);
      const r = byKey.get(want.key);
      assert.ok(r, `${what}: message ${i} (key ${want.key}) missing`);
      assert.equal(r.tags, want.tag, `${what}: message ${i} tags`);
      assert.equal(r.properties.TAGS, want.tag, `${what}: message ${i} TAGS property`);
      assert.equal(r.properties.KEYS, want.key, `${what}: message ${i} KEYS property`);
      const stored = r.bodyBase64 !== undefined ?
        Buffer.from(r.bodyBase64, 'base64') : Buffer.from(r.body, 'utf8');
      assert.ok(originalBody(stored, r.sysFlag).equals(want.body), `${what}: message ${i} body`);
      assert.equal((r.sysFlag & 1) === 1, want.body.length >= 4096,
        `${what}: message ${i} compressed flag`);
      const ack = results[i];
      assert.equal(r.msgId, ack.msgId, `${what}: message ${i} msgId`);
      assert.equal(r.queueId, Number(ack.messageQueue.queueId), `${what}: message ${i} queueId`);
      assert.equal(r.queueOffset, ack.queueOffset, `${what}: message ${i} queueOffset`);
    }
  };
  let t = Date.now();
  checkDump('dump --topic', cluster.runStoreTool(['dump', '--store', broker.storeDir,
    '--config', broker.configFile, '--topic', TOPIC]));
  log(`rmq-store dump --topic: all ${COUNT} messages exactly once, fields match (${Date.now() - t} ms)`);
  t = Date.now();
  checkDump('dump (commit log)', cluster.runStoreTool(['dump', '--store', broker.storeDir,
    '--config', broker.configFile]));
  log(`rmq-store dump (whole store): the same ${COUNT} messages (${Date.now() - t} ms)`);

  // ---- 3. restart, query by key, view by id ------------------------------
  await broker.start();
  log(`broker restarted on the same store (pid ${broker.pid})`);
  await waitFor('the restarted broker in the nameserver route', async () => {
    const route = await remoting.getRoute(namesrv.addr, TOPIC);
    return remoting.routeMasters(route).get('broker-a') === broker.addr || JSON.stringify(route);
  }, { timeoutMs: 15000 });

  const connection = await new remoting.Connection(broker.addr).connect();
  t = Date.now();
  let extraByQuery = 0;
  await forEachConcurrent(COUNT, LOOKUP_CONCURRENCY, async i => {
    const want = expected(runId, i);
    const ack = results[i];
    // Like Java's MQAdminImpl.queryMessage, keep only records whose KEYS
    // hold the key: the index may return hash-collision neighbours.
    const found = await remoting.queryMessage(connection, TOPIC, want.key);
    const matching = found.filter(m => m.topic === TOPIC &&
      (m.properties.KEYS || '').split(' ').includes(want.key));
    extraByQuery += found.length - matching.length;
    assert.equal(matching.length, 1,
      `QUERY_MESSAGE key ${want.key}: ${matching.length} matching records of ${found.length}`);
    const byKey = matching[0];
    assert.equal(byKey.msgId, ack.msgId, `QUERY_MESSAGE key ${want.key}: msgId`);
    assert.equal(byKey.properties.TAGS, want.tag, `QUERY_MESSAGE key ${want.key}: tags`);
    assert.ok(originalBody(byKey.body, byKey.sysFlag).equals(want.body),
      `QUERY_MESSAGE key ${want.key}: body`);

    const { offset } = remoting.decodeOffsetMsgId(ack.msgId);
    const byId = await remoting.viewMessage(connection, offset);
    assert.equal(byId.msgId, ack.msgId, `VIEW_MESSAGE_BY_ID ${ack.msgId}: msgId`);
    assert.equal(byId.commitLogOffset, offset, `VIEW_MESSAGE_BY_ID ${ack.msgId}: offset`);
    assert.equal(byId.topic, TOPIC, `VIEW_MESSAGE_BY_ID ${ack.msgId}: topic`);
    assert.equal(byId.queueId, Number(ack.messageQueue.queueId),
      `VIEW_MESSAGE_BY_ID ${ack.msgId}: queueId`);
    assert.equal(byId.queueOffset, ack.queueOffset, `VIEW_MESSAGE_BY_ID ${ack.msgId}: queueOffset`);
    assert.equal(byId.properties.KEYS, want.key, `VIEW_MESSAGE_BY_ID ${ack.msgId}: keys`);
    assert.equal(byId.properties.TAGS, want.tag, `VIEW_MESSAGE_BY_ID ${ack.msgId}: tags`);
    assert.ok(originalBody(byId.body, byId.sysFlag).equals(want.body),
      `VIEW_MESSAGE_BY_ID ${ack.msgId}: body`);
  });
  connection.close();
  log(`QUERY_MESSAGE and VIEW_MESSAGE_BY_ID found all ${COUNT} messages ` +
    `(${Date.now() - t} ms; ${extraByQuery} hash-collision extras filtered)`);

  // An offset past the end is an error response, not a crash or a hang.
  const { offset: lastOffset } = remoting.decodeOffsetMsgId(results[COUNT - 1].msgId);
  const past = await remoting.requestOnce(broker.addr, remoting.Code.VIEW_MESSAGE_BY_ID,
    { offset: (lastOffset + 1000000n).toString() });
  assert.notEqual(past.code, remoting.ResponseCode.SUCCESS, 'VIEW_MESSAGE_BY_ID past the end');
  log(`VIEW_MESSAGE_BY_ID past the end: code ${past.code} (${past.remark})`);
});
