'use strict';
// A minimal RocketMQ remoting client for the end-to-end tests: JSON headers
// only (remoting-protocol.md §2, §3; protocol-vectors.md §1), requests
// matched to responses by opaque. It does what ali-ons cannot: create a topic
// on a broker, ask a nameserver for a route, query and view stored messages.
// It is deliberately independent of ali-ons so the two check each other.

const net = require('node:net');

const Code = Object.freeze({
  QUERY_MESSAGE: 12,
  UPDATE_AND_CREATE_TOPIC: 17,
  GET_MAX_OFFSET: 30,
  VIEW_MESSAGE_BY_ID: 33,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
});

const ResponseCode = Object.freeze({
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  TOPIC_NOT_EXIST: 17,
  QUERY_NOT_FOUND: 22,
});

// Stored-record magic for 4.x (remoting-protocol.md §12.3).
const MESSAGE_MAGIC = 0xdaa320a7 | 0;

class RemotingError extends Error {}

// One TCP connection to one server. Not reconnecting: a test that kills a
// server makes a new Connection afterwards.
class Connection {
  constructor(addr) {
    this.addr = addr;
    this.nextOpaque = 1;
    this.pending = new Map(); // opaque -> {resolve, reject, timer}
    this.buffer = Buffer.alloc(0);
    this.closed = false;
    this.socket = null;
    this.onRequest = null;
  }

  connect(timeoutMs = 3000) {
    const [host, port] = splitAddr(this.addr);
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RemotingError(`connect to ${this.addr} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(this);
      });
      socket.once('error', err => {
        clearTimeout(timer);
        reject(new RemotingError(`connection to ${this.addr}: ${err.message}`));
      });
      socket.on('data', chunk => this.onData(chunk));
      socket.on('close', () => this.onClose());
      this.socket = socket;
    }).then(() => {
      // After connecting, errors only close the connection.
      this.socket.removeAllListeners('error');
      this.socket.on('error', () => {});
      return this;
    });
  }

  onData(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 4) {
      const length = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + length) break;
      const frame = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      let command;
      try {
        command = decodeFrame(frame);
      } catch (err) {
        this.failAll(new RemotingError(`bad frame from ${this.addr}: ${err.message}`));
        this.socket.destroy();
        return;
      }
      if ((command.flag & 1) === 0) {
        // A server-initiated request (e.g. NOTIFY_CONSUMER_IDS_CHANGED):
        // handed to `onRequest` when a test set one, else ignored.
        if (this.onRequest) this.onRequest(command);
        continue;
      }
      const waiter = this.pending.get(command.opaque);
      if (!waiter) continue;
      this.pending.delete(command.opaque);
      clearTimeout(waiter.timer);
      waiter.resolve(command);
    }
  }

  onClose() {
    this.closed = true;
    this.failAll(new RemotingError(`connection to ${this.addr} closed`));
  }

  failAll(err) {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.pending.clear();
  }

  // Sends one request; resolves with {code, remark, extFields, body, ...}.
  request(code, extFields = {}, body = null, timeoutMs = 5000) {
    if (this.closed) {
      return Promise.reject(new RemotingError(`connection to ${this.addr} closed`));
    }
    const opaque = this.nextOpaque++;
    const frame = encodeRequest(code, opaque, extFields, body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(opaque);
        reject(new RemotingError(
          `request code ${code} to ${this.addr} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(opaque, { resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  close() {
    if (this.socket) this.socket.destroy();
    this.closed = true;
  }
}

// One request on a fresh connection.
async function requestOnce(addr, code, extFields, body, timeoutMs) {
  const connection = await new Connection(addr).connect();
  try {
    return await connection.request(code, extFields, body, timeoutMs);
  } finally {
    connection.close();
  }
}

function encodeRequest(code, opaque, extFields, body) {
  // Java style: every extFields value is a string.
  const fields = {};
  for (const [key, value] of Object.entries(extFields || {})) {
    if (value !== undefined && value !== null) fields[key] = String(value);
  }
  const header = Buffer.from(JSON.stringify({
    code, extFields: fields, flag: 0, language: 'JAVA', opaque,
    serializeTypeCurrentRPC: 'JSON', version: 409,
  }), 'utf8');
  const bodyBytes = body ? Buffer.from(body) : Buffer.alloc(0);
  const frame = Buffer.alloc(8 + header.length + bodyBytes.length);
  frame.writeInt32BE(4 + header.length + bodyBytes.length, 0);
  frame.writeInt32BE(header.length, 4); // serialize type 0 (JSON) in the top byte
  header.copy(frame, 8);
  bodyBytes.copy(frame, 8 + header.length);
  return frame;
}

// `frame` excludes the 4-byte length prefix.
function decodeFrame(frame) {
  const word = frame.readUInt32BE(0);
  const type = word >>> 24;
  const headerLength = word & 0xffffff;
  if (type !== 0) throw new Error(`serialize type ${type}, expected 0 (JSON)`);
  if (headerLength > frame.length - 4) throw new Error('header length past the frame');
  const header = JSON.parse(frame.subarray(4, 4 + headerLength).toString('utf8'));
  const body = frame.length > 4 + headerLength ? frame.subarray(4 + headerLength) : null;
  return {
    code: header.code,
    opaque: header.opaque,
    flag: header.flag || 0,
    remark: header.remark,
    extFields: header.extFields || {},
    body,
  };
}

function splitAddr(addr) {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

// RocketMQ's fastjson writes the broker-id keys of brokerAddrs unquoted
// ({0:"..."}); JSON.parse needs them quoted (remoting-protocol.md §11.1).
function parseLenientJson(text) {
  try {
    return JSON.parse(text);
  } catch (_) {
    return JSON.parse(text.replace(/([{,])\s*(-?\d+)\s*:/g, '$1"$2":'));
  }
}

function describeFailure(what, response) {
  return `${what}: response code ${response.code}, remark ${JSON.stringify(response.remark)}`;
}

// UPDATE_AND_CREATE_TOPIC (remoting-protocol.md §9.5.1) on one broker.
async function createTopic(brokerAddr, topic, queues = 4) {
  const response = await requestOnce(brokerAddr, Code.UPDATE_AND_CREATE_TOPIC, {
    topic, defaultTopic: 'TBW102', readQueueNums: queues, writeQueueNums: queues,
    perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false,
  });
  if (response.code !== ResponseCode.SUCCESS) {
    throw new RemotingError(describeFailure(`create topic ${topic} on ${brokerAddr}`, response));
  }
}

// GET_ROUTEINFO_BY_TOPIC: the TopicRouteData, or null for TOPIC_NOT_EXIST.
async function getRoute(namesrvAddr, topic) {
  const response = await requestOnce(namesrvAddr, Code.GET_ROUTEINFO_BY_TOPIC, { topic });
  if (response.code === ResponseCode.TOPIC_NOT_EXIST) return null;
  if (response.code !== ResponseCode.SUCCESS || !response.body) {
    throw new RemotingError(describeFailure(`route of ${topic} from ${namesrvAddr}`, response));
  }
  return parseLenientJson(response.body.toString('utf8'));
}

// brokerName -> master address, for the brokers that have queues of the
// topic in `route` (both the broker list and the queue list must name it).
function routeMasters(route) {
  const masters = new Map();
  if (!route) return masters;
  const withQueues = new Set((route.queueDatas || []).map(q => q.brokerName));
  for (const broker of route.brokerDatas || []) {
    const addr = broker.brokerAddrs && broker.brokerAddrs['0'];
    if (addr && withQueues.has(broker.brokerName)) masters.set(broker.brokerName, addr);
  }
  return masters;
}

async function getMaxOffset(connection, topic, queueId) {
  const response = await connection.request(Code.GET_MAX_OFFSET, { topic, queueId });
  if (response.code !== ResponseCode.SUCCESS) {
    throw new RemotingError(describeFailure(`max offset of ${topic}/${queueId}`, response));
  }
  return Number(response.extFields.offset);
}

// QUERY_MESSAGE (§9.4.1): the decoded stored records, [] for "not found".
async function queryMessage(connection, topic, key, maxNum = 32) {
  const response = await connection.request(Code.QUERY_MESSAGE, {
    topic, key, maxNum, beginTimestamp: 0, endTimestamp: Date.now() + 3600e3,
    _UNIQUE_KEY_QUERY: false,
  });
  if (response.code === ResponseCode.QUERY_NOT_FOUND) return [];
  if (response.code !== ResponseCode.SUCCESS) {
    throw new RemotingError(describeFailure(`query ${topic} key ${key}`, response));
  }
  return decodeStoredMessages(response.body || Buffer.alloc(0));
}

// VIEW_MESSAGE_BY_ID (§9.4.2): the one decoded stored record.
async function viewMessage(connection, commitLogOffset) {
  const response = await connection.request(Code.VIEW_MESSAGE_BY_ID, {
    offset: commitLogOffset.toString(),
  });
  if (response.code !== ResponseCode.SUCCESS) {
    throw new RemotingError(describeFailure(`view offset ${commitLogOffset}`, response));
  }
  const messages = decodeStoredMessages(response.body || Buffer.alloc(0));
  if (messages.length !== 1) {
    throw new RemotingError(`view offset ${commitLogOffset}: ${messages.length} records in the body`);
  }
  return messages[0];
}

// offsetMsgId (§12.4, IPv4 form) -> {addr, offset (BigInt)}.
function decodeOffsetMsgId(msgId) {
  if (!/^[0-9A-F]{32}$/.test(msgId)) throw new RemotingError(`not an IPv4 offsetMsgId: ${msgId}`);
  const bytes = Buffer.from(msgId, 'hex');
  return {
    addr: `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}:${bytes.readInt32BE(4)}`,
    offset: bytes.readBigInt64BE(8),
  };
}

// Stored records back to back (§12.3) -> objects. Strict: any malformed
// record throws.
function decodeStoredMessages(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 91) throw new RemotingError(`truncated record at ${pos}`);
    const totalSize = buf.readInt32BE(pos);
    if (totalSize < 91 || pos + totalSize > buf.length) {
      throw new RemotingError(`bad TOTALSIZE ${totalSize} at ${pos} of ${buf.length}`);
    }
    const rec = buf.subarray(pos, pos + totalSize);
    if (rec.readInt32BE(4) !== MESSAGE_MAGIC) {
      throw new RemotingError(`bad magic 0x${(rec.readInt32BE(4) >>> 0).toString(16)} at ${pos}`);
    }
    const sysFlag = rec.readInt32BE(36);
    const bornV6 = (sysFlag & 0x10) !== 0;
    const storeV6 = (sysFlag & 0x20) !== 0;
    let p = 40;
    const m = {
      storeSize: totalSize,
      bodyCrc: rec.readInt32BE(8),
      queueId: rec.readInt32BE(12),
      flag: rec.readInt32BE(16),
      queueOffset: Number(rec.readBigInt64BE(20)),
      commitLogOffset: rec.readBigInt64BE(28),
      sysFlag,
    };
    m.bornTimestamp = Number(rec.readBigInt64BE(p)); p += 8;
    m.bornHost = readHost(rec, p, bornV6); p += bornV6 ? 20 : 8;
    m.storeTimestamp = Number(rec.readBigInt64BE(p)); p += 8;
    const storeHostBytes = rec.subarray(p, p + (storeV6 ? 20 : 8));
    m.storeHost = readHost(rec, p, storeV6); p += storeV6 ? 20 : 8;
    m.reconsumeTimes = rec.readInt32BE(p); p += 4;
    m.preparedTransactionOffset = rec.readBigInt64BE(p); p += 8;
    const bodyLength = rec.readInt32BE(p); p += 4;
    m.body = Buffer.from(rec.subarray(p, p + bodyLength)); p += bodyLength;
    const topicLength = rec.readInt8(p); p += 1;
    m.topic = rec.subarray(p, p + topicLength).toString('utf8'); p += topicLength;
    const propertiesLength = rec.readInt16BE(p); p += 2;
    m.properties = parseProperties(rec.subarray(p, p + propertiesLength).toString('utf8'));
    p += propertiesLength;
    if (p !== totalSize) {
      throw new RemotingError(`record at ${pos}: fields end at ${p}, TOTALSIZE ${totalSize}`);
    }
    const id = Buffer.alloc(storeHostBytes.length + 8);
    storeHostBytes.copy(id, 0);
    id.writeBigInt64BE(m.commitLogOffset, storeHostBytes.length);
    m.msgId = id.toString('hex').toUpperCase();
    out.push(m);
    pos += totalSize;
  }
  return out;
}

function readHost(rec, p, v6) {
  if (v6) {
    const parts = [];
    for (let i = 0; i < 16; i += 2) parts.push(rec.readUInt16BE(p + i).toString(16));
    return `[${parts.join(':')}]:${rec.readInt32BE(p + 16)}`;
  }
  return `${rec[p]}.${rec[p + 1]}.${rec[p + 2]}.${rec[p + 3]}:${rec.readInt32BE(p + 4)}`;
}

// §12.1: name 0x01 value pairs joined by 0x02 (a trailing 0x02 allowed).
function parseProperties(text) {
  const properties = {};
  for (const item of text.split('\u0002')) {
    const i = item.indexOf('\u0001');
    if (i > 0) properties[item.slice(0, i)] = item.slice(i + 1);
  }
  return properties;
}

module.exports = {
  Code,
  ResponseCode,
  Connection,
  RemotingError,
  requestOnce,
  createTopic,
  getRoute,
  routeMasters,
  getMaxOffset,
  queryMessage,
  viewMessage,
  decodeOffsetMsgId,
  decodeStoredMessages,
  parseProperties,
  parseLenientJson,
};
