'use strict';
// Sends one message with RocketMQ's npm client (ali-ons), the way
// `bash scripts/run.sh` suggests:
//   node tests/e2e/examples/send.js 127.0.0.1:9876 TopicTest "hello rmq" [tag] [key]
// ali-ons does not fall back to TBW102 for an unknown topic (the Java client
// does), so a missing topic is first created, with 4 queues, on every broker
// that serves TBW102 (autoCreateTopicEnable=true).

const path = require('node:path');
const remoting = require(path.join(__dirname, '..', 'lib', 'remoting.js'));
const { startProducer, closeProducer } = require(path.join(__dirname, '..', 'lib', 'producer_util.js'));

async function ensureTopic(namesrv, topic) {
  if (remoting.routeMasters(await remoting.getRoute(namesrv, topic)).size > 0) return;
  const brokers = remoting.routeMasters(await remoting.getRoute(namesrv, 'TBW102'));
  if (brokers.size === 0) throw new Error(`no broker is registered with ${namesrv}`);
  for (const [name, addr] of brokers) {
    await remoting.createTopic(addr, topic);
    console.log(`created topic ${topic} on ${name} (${addr})`);
  }
  // The brokers register the new topic at once; wait (10 s at most).
  const deadline = Date.now() + 10000;
  while (remoting.routeMasters(await remoting.getRoute(namesrv, topic)).size === 0) {
    if (Date.now() > deadline) throw new Error(`${topic} did not reach ${namesrv}`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

async function main() {
  const [namesrv, topic, body, tag = 'TagA', key = `key-${Date.now()}`] = process.argv.slice(2);
  if (!namesrv || !topic || body === undefined) {
    console.error('usage: node send.js NAMESRV_ADDR TOPIC BODY [TAG] [KEY]');
    process.exit(2);
  }
  await ensureTopic(namesrv, topic);
  const { Message } = require('ali-ons');
  const producer = await startProducer(namesrv);
  try {
    const message = new Message(topic, tag, body);
    message.keys = [key];
    const result = await producer.send(message);
    console.log(`sent: status ${result.sendStatus}, msgId ${result.msgId}, ` +
                `queue ${result.messageQueue.queueId}, offset ${result.queueOffset}, key ${key}`);
  } finally {
    await closeProducer(producer);
  }
}

// ali-ons keeps timers running after close(): exit explicitly.
main().then(() => process.exit(0), err => {
  console.error(`send failed: ${err.message}`);
  process.exit(1);
});
