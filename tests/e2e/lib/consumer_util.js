'use strict';
// Helpers for the consumer-side end-to-end tests: a started ali-ons push
// consumer, and raw requests ali-ons never makes (or makes only inside its
// loops) for checking the broker directly: PULL_MESSAGE with an explicit
// subscription, QUERY_CONSUMER_OFFSET, GET_CONSUMER_LIST_BY_GROUP,
// LOCK_BATCH_MQ / UNLOCK_BATCH_MQ (remoting-protocol.md §9.3).

const remoting = require('./remoting');
const { quietLogger } = require('./producer_util');

const Code = Object.freeze({
  PULL_MESSAGE: 11,
  QUERY_CONSUMER_OFFSET: 14,
  UPDATE_CONSUMER_OFFSET: 15,
  GET_MAX_OFFSET: 30,
  HEART_BEAT: 34,
  UNREGISTER_CLIENT: 35,
  GET_CONSUMER_LIST_BY_GROUP: 38,
  NOTIFY_CONSUMER_IDS_CHANGED: 40,
  LOCK_BATCH_MQ: 41,
  UNLOCK_BATCH_MQ: 42,
});

const PullCode = Object.freeze({
  FOUND: 0,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
});

function describe(what, response) {
  return `${what}: response code ${response.code}, remark ${JSON.stringify(response.remark)}`;
}

// A started ali-ons push consumer (clustering) of `group`, subscribed to
// `topic` with `expression` and `handler`. Every consumer of one process
// needs its own `instanceName`: ali-ons shares one client (and one clientId,
// ip@instanceName) between all consumers and producers with the same
// instance name, and registers a group only once per client. `errors`
// collects what the consumer emits. The rebalance runs every second (ali-ons
// ignores NOTIFY_CONSUMER_IDS_CHANGED: the default 10 s would only slow the
// tests down), and offsets are pushed every second.
// With `recordPulls`, consumer.e2ePulls gets {topic, queueId, ms, status,
// count, sysFlag, commitOffset} for every PULL_MESSAGE ali-ons makes
// (wrapping its client's pullMessage before the first one). With
// `recordOffsetRequests`, consumer.e2eOffsetRequests gets {code, topic,
// queueId} for every QUERY_CONSUMER_OFFSET / UPDATE_CONSUMER_OFFSET it sends
// (its client's queryConsumerOffset / updateConsumerOffsetOneway).
async function startConsumer(nameSrv, group, topic, expression, handler, options = {},
  { recordPulls = false, recordOffsetRequests = false } = {}) {
  const { Consumer } = require('ali-ons');
  const { performance } = require('node:perf_hooks');
  const errors = [];
  const consumer = new Consumer(Object.assign({
    nameSrv,
    httpclient: {},
    consumerGroup: group,
    logger: quietLogger,
    rebalanceInterval: 1000,
    persistConsumerOffsetInterval: 1000,
  }, options));
  // ali-ons's close() clears its queue table, then awaits the broker; its
  // 1 s rebalance timer can fire meanwhile, take every queue for new and
  // read its offset, and close() then closes the socket under that read
  // (seen once under ASan on a loaded CI). That is the client's own race
  // at close, not the broker's: logged, not counted as the consumer's error.
  consumer.on('error', err => {
    if (consumer.e2eClosing && err.name === 'SocketCloseError') {
      console.warn(`ali-ons consumer ${group} while closing: ${err.message} (ignored)`);
      return;
    }
    errors.push(err);
  });
  if (recordPulls) {
    const client = consumer._mqClient;
    const pullMessage = client.pullMessage.bind(client);
    consumer.e2ePulls = [];
    client.pullMessage = async (addr, header, timeoutMs) => {
      const t0 = performance.now();
      const result = await pullMessage(addr, header, timeoutMs);
      consumer.e2ePulls.push({ topic: header.topic, queueId: header.queueId,
        ms: performance.now() - t0, status: result.pullStatus, count: result.msgFoundList.length,
        sysFlag: header.sysFlag, commitOffset: header.commitOffset });
      return result;
    };
  }
  if (recordOffsetRequests) {
    const client = consumer._mqClient;
    consumer.e2eOffsetRequests = [];
    for (const [method, code] of [['queryConsumerOffset', Code.QUERY_CONSUMER_OFFSET],
      ['updateConsumerOffsetOneway', Code.UPDATE_CONSUMER_OFFSET]]) {
      const original = client[method].bind(client);
      client[method] = async (addr, header, ...rest) => {
        consumer.e2eOffsetRequests.push({ code, topic: header.topic, queueId: header.queueId });
        return original(addr, header, ...rest);
      };
    }
  }
  consumer.subscribe(topic, expression, handler);
  await consumer.ready();
  consumer.e2eErrors = errors;
  return consumer;
}

async function closeConsumer(consumer) {
  consumer.e2eClosing = true;
  try {
    await consumer.close();
  } catch (err) {
    console.warn(`ali-ons consumer close: ${err.message} (ignored)`);
  }
}

// The queues ali-ons currently consumes for `topic` (its rebalance result),
// as "brokerName/queueId" strings. Peeks at the pinned client's internal
// table: there is no public API for it.
function assignedQueues(consumer, topic) {
  const out = [];
  for (const { messageQueue } of consumer.processQueueTable.values()) {
    if (messageQueue.topic === topic) out.push(`${messageQueue.brokerName}/${messageQueue.queueId}`);
  }
  return out.sort();
}

// PULL_MESSAGE (code 11) without suspension and without committing an
// offset. Returns {code, remark, nextBeginOffset, minOffset, maxOffset,
// messages (decoded stored records)}.
async function pull(connection, { group, topic, queueId, offset, maxMsgNums = 32,
  subscription = '*', expressionType = 'TAG', sysFlag = 4 }) {
  const response = await connection.request(Code.PULL_MESSAGE, {
    consumerGroup: group, topic, queueId, queueOffset: offset, maxMsgNums,
    sysFlag, commitOffset: 0, suspendTimeoutMillis: 0, subscription, subVersion: 0,
    expressionType,
  });
  const ext = response.extFields;
  const result = {
    code: response.code,
    remark: response.remark,
    nextBeginOffset: Number(ext.nextBeginOffset),
    minOffset: Number(ext.minOffset),
    maxOffset: Number(ext.maxOffset),
    messages: [],
  };
  if (response.code === PullCode.FOUND) {
    result.messages = remoting.decodeStoredMessages(response.body || Buffer.alloc(0));
  } else if (![PullCode.PULL_NOT_FOUND, PullCode.PULL_RETRY_IMMEDIATELY,
    PullCode.PULL_OFFSET_MOVED].includes(response.code)) {
    throw new remoting.RemotingError(describe(`pull ${topic}/${queueId}@${offset}`, response));
  }
  for (const key of ['nextBeginOffset', 'minOffset', 'maxOffset']) {
    if (!Number.isSafeInteger(result[key])) {
      throw new remoting.RemotingError(`pull ${topic}/${queueId}@${offset}: code ${response.code} ` +
        `without a numeric ${key}: ${JSON.stringify(ext)}`);
    }
  }
  return result;
}

// Pulls a whole queue from `from` to its max offset; returns the records and
// every response's (code, offset, nextBeginOffset), for failure messages.
async function pullAll(connection, args, from = 0) {
  const messages = [];
  const steps = [];
  let offset = from;
  for (let i = 0; i < 100000; i++) {
    const r = await pull(connection, Object.assign({}, args, { offset }));
    steps.push([r.code, offset, r.nextBeginOffset, r.messages.length]);
    messages.push(...r.messages);
    if (r.code === PullCode.PULL_NOT_FOUND) return { messages, steps, maxOffset: r.maxOffset };
    if (r.code === PullCode.PULL_OFFSET_MOVED) {
      throw new remoting.RemotingError(`pull ${args.topic}/${args.queueId}@${offset}: ` +
        `OFFSET_MOVED to ${r.nextBeginOffset} (min ${r.minOffset}, max ${r.maxOffset})`);
    }
    if (r.nextBeginOffset <= offset) {
      throw new remoting.RemotingError(`pull ${args.topic}/${args.queueId}@${offset}: code ` +
        `${r.code} does not advance (nextBeginOffset ${r.nextBeginOffset})`);
    }
    offset = r.nextBeginOffset;
  }
  throw new remoting.RemotingError(`pull ${args.topic}/${args.queueId}: no end after 100000 pulls`);
}

// QUERY_CONSUMER_OFFSET: the stored offset, or null for QUERY_NOT_FOUND (22).
async function queryConsumerOffset(connection, group, topic, queueId) {
  const response = await connection.request(Code.QUERY_CONSUMER_OFFSET,
    { consumerGroup: group, topic, queueId });
  if (response.code === remoting.ResponseCode.QUERY_NOT_FOUND) return null;
  if (response.code !== remoting.ResponseCode.SUCCESS) {
    throw new remoting.RemotingError(describe(`consumer offset ${group} ${topic}/${queueId}`, response));
  }
  return Number(response.extFields.offset);
}

// GET_CONSUMER_LIST_BY_GROUP: the clientIds, [] when the broker says there is
// no consumer (code 1).
async function consumerList(connection, group) {
  const response = await connection.request(Code.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group });
  if (response.code === remoting.ResponseCode.SYSTEM_ERROR) return [];
  if (response.code !== remoting.ResponseCode.SUCCESS || !response.body) {
    throw new remoting.RemotingError(describe(`consumer list of ${group}`, response));
  }
  return remoting.parseLenientJson(response.body.toString('utf8')).consumerIdList.slice().sort();
}

// HEART_BEAT (§9.1.1, §11.3) of one clustering push consumer of `group`
// subscribed to `topic` with '*', the way ali-ons writes it.
async function heartbeat(connection, clientId, group, topic) {
  const body = JSON.stringify({
    clientID: clientId,
    consumerDataSet: [{
      groupName: group,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [{
        topic, subString: '*', classFilterMode: false, tagsSet: [], codeSet: [],
        subVersion: Date.now(),
      }],
      unitMode: false,
    }],
    producerDataSet: [],
  });
  const response = await connection.request(Code.HEART_BEAT, {}, body);
  if (response.code !== remoting.ResponseCode.SUCCESS) {
    throw new remoting.RemotingError(describe(`heartbeat of ${clientId}`, response));
  }
}

async function unregisterClient(connection, clientId, group) {
  const response = await connection.request(Code.UNREGISTER_CLIENT,
    { clientID: clientId, consumerGroup: group });
  if (response.code !== remoting.ResponseCode.SUCCESS) {
    throw new remoting.RemotingError(describe(`unregister ${clientId}`, response));
  }
}

// Collects the NOTIFY_CONSUMER_IDS_CHANGED requests a connection receives:
// returns the array their consumerGroup values are pushed to.
function watchNotifications(connection) {
  const seen = [];
  connection.onRequest = command => {
    if (command.code === Code.NOTIFY_CONSUMER_IDS_CHANGED) seen.push(command.extFields.consumerGroup);
  };
  return seen;
}

function lockBody(group, clientId, mqs) {
  return JSON.stringify({
    consumerGroup: group, clientId,
    mqSet: mqs.map(({ brokerName, queueId, topic }) => ({ brokerName, queueId, topic })),
  });
}

// LOCK_BATCH_MQ: the queues now held by clientId, as sorted queue ids.
async function lockBatch(connection, group, clientId, mqs) {
  const response = await connection.request(Code.LOCK_BATCH_MQ, {}, lockBody(group, clientId, mqs));
  if (response.code !== remoting.ResponseCode.SUCCESS || !response.body) {
    throw new remoting.RemotingError(describe(`lock ${clientId}`, response));
  }
  const body = remoting.parseLenientJson(response.body.toString('utf8'));
  return body.lockOKMQSet.map(mq => mq.queueId).sort((a, b) => a - b);
}

async function unlockBatch(connection, group, clientId, mqs) {
  const response = await connection.request(Code.UNLOCK_BATCH_MQ, {}, lockBody(group, clientId, mqs));
  if (response.code !== remoting.ResponseCode.SUCCESS) {
    throw new remoting.RemotingError(describe(`unlock ${clientId}`, response));
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

module.exports = {
  Code, PullCode, startConsumer, closeConsumer, assignedQueues, pull, pullAll,
  queryConsumerOffset, consumerList, heartbeat, unregisterClient, watchNotifications,
  lockBatch, unlockBatch, percentile,
};
