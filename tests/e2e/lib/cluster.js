'use strict';
// Starts rmq-namesrv and rmq-broker as child processes on free loopback
// ports, each in its own temporary directory, and makes sure every child is
// stopped when the test ends: normally, on failure, on an uncaught error, on
// SIGINT/SIGTERM, or at process exit.
//
// Waits are never fixed sleeps: waitFor() polls a condition until a deadline.

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const BOOT_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 20000;

const NAMESRV_BOOT = /The Name Server boot success/;
const BROKER_BOOT = /The broker\[.*\] boot success/;

// Every child ever started by this process and every temporary directory,
// for the exit hooks.
const allChildren = new Set();
const allRoots = new Set();

function killAllSync() {
  for (const child of allChildren) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch (_) { /* already gone */ }
    }
  }
}

let hooksInstalled = false;
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    killAllSync();
    if (!process.env.RMQ_E2E_KEEP) {
      for (const root of allRoots) fs.rmSync(root, { recursive: true, force: true });
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`e2e: ${signal} received, killing the servers`);
      killAllSync();
      process.exit(128 + os.constants.signals[signal]);
    });
  }
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Polls `condition` (sync or async) every `intervalMs` until it returns
// true, or throws when `timeoutMs` passes. A string result means "not yet"
// and describes the state, for the timeout message. Errors are not retried:
// they propagate at once.
async function waitFor(what, condition, { timeoutMs = 10000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value === true) return;
    if (Date.now() >= deadline) {
      const state = typeof value === 'string' ? ` (last: ${value})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await sleep(intervalMs);
  }
}

function canBind(port) {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

// A port the kernel just handed out on 127.0.0.1 (free at that moment).
function ephemeralPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A port p such that p + every offset in `offsets` is free right now.
async function freePorts(offsets) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = await ephemeralPort();
    const ports = offsets.map(o => base + o);
    if (ports.some(p => p < 1024 || p > 65535)) continue;
    let ok = true;
    for (const p of ports) {
      if (!(await canBind(p))) {
        ok = false;
        break;
      }
    }
    if (ok) return base;
  }
  throw new Error(`no free ports at offsets ${offsets} after 200 tries`);
}

function writeProperties(file, props) {
  const lines = Object.entries(props).map(([k, v]) => `${k}=${v}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

// The binaries: --namesrv/--broker/--store-tool PATH on the command line,
// else RMQ_NAMESRV/RMQ_BROKER/RMQ_STORE, else <repo>/build/bin.
function binaries(argv = process.argv.slice(2)) {
  const repo = path.resolve(__dirname, '..', '..', '..');
  const fromArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(namesrv|broker|store-tool)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    fromArgs[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
  const bins = {
    namesrv: fromArgs.namesrv || process.env.RMQ_NAMESRV ||
      path.join(repo, 'build', 'bin', 'rmq-namesrv'),
    broker: fromArgs.broker || process.env.RMQ_BROKER ||
      path.join(repo, 'build', 'bin', 'rmq-broker'),
    store: fromArgs['store-tool'] || process.env.RMQ_STORE ||
      path.join(repo, 'build', 'bin', 'rmq-store'),
  };
  for (const [name, file] of Object.entries(bins)) {
    if (!fs.existsSync(file)) throw new Error(`${name} binary not found: ${file}`);
  }
  return bins;
}

// One server process (nameserver or broker). Its output is kept in
// <dir>/stdout.log and <dir>/stderr.log.
class Server {
  constructor(cluster, { kind, name, binary, dir, configFile, port, bootLine, addr }) {
    Object.assign(this, { cluster, kind, name, binary, dir, configFile, port, bootLine, addr });
    this.child = null;
    this.starts = 0;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid() {
    return this.child && this.child.pid;
  }

  // Spawns the process and waits for its boot line.
  async start() {
    assert.ok(!this.running, `${this.name} is already running`);
    this.starts++;
    const out = fs.openSync(path.join(this.dir, 'stdout.log'), 'a');
    const err = fs.openSync(path.join(this.dir, 'stderr.log'), 'a');
    fs.writeSync(out, `---- start #${this.starts} at ${new Date().toISOString()}\n`);
    const env = Object.assign({}, process.env, { HOME: this.dir, ROCKETMQ_HOME: this.dir });
    const child = childProcess.spawn(this.binary, ['-c', this.configFile], {
      cwd: this.dir, env, stdio: ['ignore', 'pipe', err],
    });
    fs.closeSync(err);
    allChildren.add(child);
    this.child = child;
    // 'close' comes after 'exit' and after the last stdout chunk.
    this.exited = new Promise(resolve => {
      child.once('close', (code, signal) => {
        fs.closeSync(out);
        resolve({ code, signal });
      });
    });
    let text = '';
    const booted = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name}: no boot line within ${BOOT_TIMEOUT_MS} ms`));
      }, BOOT_TIMEOUT_MS);
      child.stdout.on('data', chunk => {
        fs.writeSync(out, chunk);
        if (text !== null) {
          text += chunk.toString('utf8');
          if (this.bootLine.test(text)) {
            text = null;
            clearTimeout(timer);
            resolve();
          }
        }
      });
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) before booting`));
      });
    });
    try {
      await booted;
    } catch (e) {
      this.kill9();
      await this.exited;
      throw new Error(`${e.message}\n${this.tail()}`);
    }
  }

  // SIGTERM and wait for a clean exit; SIGKILL after STOP_TIMEOUT_MS.
  // Resolves with {code, signal}.
  async stop() {
    if (!this.running) return this.child ? this.exited : null;
    this.signal('SIGCONT'); // a paused process would never see the SIGTERM
    this.signal('SIGTERM');
    let timer;
    const timeout = new Promise(resolve => {
      timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === null) {
      this.kill9();
      const killed = await this.exited;
      throw new Error(`${this.name} did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM ` +
        `(killed: ${JSON.stringify(killed)})\n${this.tail()}`);
    }
    return result;
  }

  kill9() {
    this.signal('SIGKILL');
  }

  async kill9AndWait() {
    this.kill9();
    return this.exited;
  }

  // SIGSTOP, then waits until every thread is stopped: kill(2) only queues
  // the signal, and a broker can still answer a request meanwhile.
  async pause() {
    this.signal('SIGSTOP');
    const tasks = `/proc/${this.pid}/task`;
    await waitFor(`${this.name} to stop`, () => fs.readdirSync(tasks).every(tid => {
      const stat = fs.readFileSync(`${tasks}/${tid}/stat`, 'utf8');
      return /^\S+ \(.*\) [Tt] /s.test(stat);
    }), { timeoutMs: 5000, intervalMs: 5 });
  }

  resume() {
    this.signal('SIGCONT');
  }

  signal(name) {
    if (this.running) {
      try {
        process.kill(this.child.pid, name);
      } catch (_) { /* raced with exit */ }
    }
  }

  logFile() {
    const file = this.kind === 'namesrv' ? 'namesrv.log' : 'broker.log';
    return path.join(this.dir, 'logs', 'rocketmqlogs', file);
  }

  // The last lines of stdout, the server log and stderr, for failure
  // reports (stderr only where it adds to the log, which it mostly repeats).
  tail(lines = 30) {
    const read = file => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (_) {
        return '';
      }
    };
    const last = text => text.split('\n').slice(-lines - 1).join('\n');
    const stdoutFile = path.join(this.dir, 'stdout.log');
    const stderrFile = path.join(this.dir, 'stderr.log');
    const log = read(this.logFile());
    const stderr = read(stderrFile);
    const stderrLast = stderr.trimEnd().split('\n').pop();
    const parts = [[stdoutFile, read(stdoutFile)], [this.logFile(), log]];
    if (!log || !log.includes(stderrLast)) parts.push([stderrFile, stderr]);
    return parts.filter(([, text]) => text.trim())
      .map(([file, text]) => `==== ${this.name}: ${file}\n${last(text)}`).join('\n');
  }
}

class Cluster {
  constructor({ bins, label = 'e2e' } = {}) {
    installExitHooks();
    this.bins = bins || binaries();
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `rmq-${label}-`));
    allRoots.add(this.root);
    this.servers = [];
  }

  serverDir(name) {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  // A nameserver on a free loopback port. `props` adds/overrides keys.
  async startNamesrv(name, props = {}) {
    const dir = this.serverDir(name);
    for (let attempt = 1; ; attempt++) {
      const port = await freePorts([0]);
      const configFile = path.join(dir, 'namesrv.properties');
      writeProperties(configFile, Object.assign({
        listenPort: port,
        rmqListenHost: '127.0.0.1',
        rocketmqHome: dir,
        kvConfigPath: path.join(dir, 'kvConfig.json'),
      }, props));
      const server = new Server(this, {
        kind: 'namesrv', name, binary: this.bins.namesrv, dir, configFile, port,
        bootLine: NAMESRV_BOOT, addr: `127.0.0.1:${port}`,
      });
      try {
        await server.start();
        this.servers.push(server);
        return server;
      } catch (err) {
        // Someone may have taken the port between our check and the bind.
        if (attempt >= 3) throw err;
      }
    }
  }

  // A broker whose listenPort, listenPort-2 (fast port) and listenPort+1
  // (HA) are free. `props` adds/overrides keys; `namesrvs` are Servers.
  async startBroker(name, namesrvs, props = {}) {
    const dir = this.serverDir(name);
    for (let attempt = 1; ; attempt++) {
      const port = await freePorts([0, -2, 1]);
      const configFile = path.join(dir, 'broker.properties');
      writeProperties(configFile, Object.assign({
        brokerClusterName: 'DefaultCluster',
        brokerName: name,
        brokerId: 0,
        brokerRole: 'ASYNC_MASTER',
        namesrvAddr: namesrvs.map(n => n.addr).join(';'),
        brokerIP1: '127.0.0.1',
        rmqListenHost: '127.0.0.1',
        listenPort: port,
        rocketmqHome: dir,
        storePathRootDir: path.join(dir, 'store'),
        flushDiskType: 'ASYNC_FLUSH',
        autoCreateTopicEnable: 'true',
        // Small files: the tests store a few MiB, not the default 1 GiB
        // commit-log segments and 420 MiB index files.
        mappedFileSizeCommitLog: 64 * 1024 * 1024,
        maxHashSlotNum: 100000,
        maxIndexNum: 400000,
      }, props));
      const server = new Server(this, {
        kind: 'broker', name, binary: this.bins.broker, dir, configFile, port,
        bootLine: BROKER_BOOT, addr: `127.0.0.1:${port}`,
      });
      server.storeDir = path.join(dir, 'store');
      try {
        await server.start();
        this.servers.push(server);
        return server;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  // `rmq-store ARGS...` -> stdout (throws on a non-zero exit).
  runStoreTool(args) {
    const result = childProcess.spawnSync(this.bins.store, args, {
      encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, timeout: 120000,
    });
    if (result.error) throw result.error;
    if (result.status !== 0) {
      throw new Error(`rmq-store ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    }
    return result.stdout;
  }

  // Stops every server still running (SIGTERM, then SIGKILL). Never throws.
  async stopAll() {
    await Promise.all(this.servers.map(async server => {
      try {
        await server.stop();
      } catch (err) {
        console.error(`e2e: stopping ${server.name}: ${err.message}`);
      }
    }));
  }

  tails() {
    return this.servers.map(s => s.tail()).filter(Boolean).join('\n');
  }

  removeFiles() {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

// Runs `body(cluster, log)` as one test: prints timed steps, stops every
// server at the end, prints the servers' output on failure, removes the
// temporary directory (kept when RMQ_E2E_KEEP is set) and exits 0 or 1.
// Exits 77 (CTest SKIP_RETURN_CODE) when ali-ons is not installed.
function runTest(name, body, { timeoutMs = 240000 } = {}) {
  try {
    require.resolve('ali-ons');
  } catch (_) {
    console.log(`SKIP ${name}: ali-ons is not installed ` +
      '(npm ci --prefix tests/e2e, or scripts/install-deps.sh)');
    process.exit(77);
  }
  const started = Date.now();
  const log = message => {
    const seconds = ((Date.now() - started) / 1000).toFixed(2).padStart(7);
    console.log(`[${seconds}s] ${message}`);
  };
  let cluster = null;
  const makeCluster = opts => {
    cluster = new Cluster(Object.assign({ label: name }, opts));
    log(`files under ${cluster.root}`);
    return cluster;
  };
  let finishing = false;
  const finish = async (ok, err) => {
    if (finishing) {
      if (!ok) console.error(`e2e: (while finishing) ${err && err.stack ? err.stack : err}`);
      return;
    }
    finishing = true;
    if (!ok) {
      console.error(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
      if (cluster) console.error(cluster.tails());
    }
    if (cluster) {
      await cluster.stopAll();
      if (process.env.RMQ_E2E_KEEP) {
        log(`kept ${cluster.root}`);
      } else {
        cluster.removeFiles();
      }
    }
    log(ok ? `PASS ${name}` : `FAIL ${name}`);
    process.exit(ok ? 0 : 1);
  };
  // Fail (and clean up) before CTest's own timeout kills us.
  const watchdog = setTimeout(() => {
    finish(false, new Error(`test did not finish within ${timeoutMs} ms`));
  }, timeoutMs);
  process.on('unhandledRejection', err => finish(false, err));
  process.on('uncaughtException', err => finish(false, err));
  Promise.resolve()
    .then(() => body({ makeCluster, log }))
    .then(() => {
      clearTimeout(watchdog);
      return finish(true);
    }, err => {
      clearTimeout(watchdog);
      return finish(false, err);
    });
}

module.exports = {
  Cluster, Server, binaries, freePorts, runTest, sleep, waitFor, killAllSync,
};
