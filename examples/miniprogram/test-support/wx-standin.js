'use strict';
/**
 * A small stand-in for the WeChat `wx` object, enough to run the mini-program's real code
 * under Node: wx.connectSocket returns a SocketTask built on the `ws` package, with the
 * semantics of the reference notes (shared/ref/wx-socket-api.md §2-§6):
 *  - the task is returned synchronously; success/complete get {errMsg:"connectSocket:ok"} later
 *  - listeners accumulate and cannot be removed; events are not replayed to late listeners
 *  - send only while OPEN, else fail "sendSocketMessage:fail WebSocket is not connected"
 *  - close codes 1000 or 3000-4999, reason at most 123 UTF-8 bytes
 *  - an abnormal drop gives onError, then onClose with code 1006; onError fires at most once
 *  - at most 5 sockets at once
 * plus the storage calls the app uses. Test hooks: setOffline(), sockets(), liveSockets().
 */
const WebSocket = require('ws');

const MAX_SOCKETS = 5;

function later(fn, arg) {
  if (typeof fn === 'function') setImmediate(() => fn(arg));
}

function result(opts, ok, errMsg) {
  const res = { errMsg };
  later(ok ? opts.success : opts.fail, res);
  later(opts.complete, res);
  return res;
}

class SocketTask {
  constructor(url, options, env) {
    this.url = url;
    this.readyState = 0; // CONNECTING
    this.listeners = { open: [], message: [], error: [], close: [] };
    this.errored = false;
    this.closeSent = false;
    this.ws = null;
    setImmediate(() => this.start(options, env));
  }

  start(options, env) {
    if (this.readyState === 3) return;
    if (env.offline) {
      this.fail('network is down');
      return;
    }
    const ws = new WebSocket(this.url, { handshakeTimeout: options.timeout || 60000 });
    this.ws = ws;
    ws.on('upgrade', (res) => { this.handshakeHeaders = res.headers; });
    ws.on('open', () => {
      this.readyState = 1;
      this.emit('open', { header: this.handshakeHeaders || {}, profile: {} });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
        this.emit('message', { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) });
      } else {
        this.emit('message', { data: data.toString('utf8') });
      }
    });
    ws.on('error', (err) => this.emitError(err.message || 'exception'));
    ws.on('close', (code, reason) => {
      this.readyState = 3;
      if (code === 1006) this.emitError('abnormal closure');
      this.emit('close', { code, reason: reason ? reason.toString('utf8') : '' });
    });
  }

  fail(detail) {
    this.readyState = 3;
    this.emitError(detail);
    this.emit('close', { code: 1006, reason: 'abnormal closure' });
  }

  emit(name, payload) {
    for (const fn of this.listeners[name].slice()) fn(payload);
  }

  emitError(detail) {
    if (this.errored) return;
    this.errored = true;
    this.emit('error', { errMsg: detail });
  }

  onOpen(fn) { this.listeners.open.push(fn); }
  onMessage(fn) { this.listeners.message.push(fn); }
  onError(fn) { this.listeners.error.push(fn); }
  onClose(fn) { this.listeners.close.push(fn); }

  send(opts = {}) {
    const data = opts.data;
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
      throw new TypeError('send: data must be a string or an ArrayBuffer');
    }
    if (this.readyState === 3) return result(opts, false, 'sendSocketMessage:fail taskID not exist');
    if (this.readyState !== 1 || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return result(opts, false, 'sendSocketMessage:fail WebSocket is not connected');
    }
    this.ws.send(typeof data === 'string' ? data : Buffer.from(data));
    return result(opts, true, 'sendSocketMessage:ok');
  }

  close(opts = {}) {
    const code = opts.code === undefined ? 1000 : opts.code;
    const reason = opts.reason === undefined ? '' : String(opts.reason);
    if (!(code === 1000 || (code >= 3000 && code <= 4999))) {
      return result(opts, false, 'closeSocket:fail The code must be either 1000, or between 3000 and 4999');
    }
    if (Buffer.byteLength(reason, 'utf8') > 123) {
      return result(opts, false, 'closeSocket:fail reason too long');
    }
    if (this.readyState === 3 || this.closeSent) return result(opts, false, 'closeSocket:fail taskID not exist');
    this.closeSent = true;
    if (this.ws) {
      this.readyState = 2;
      this.ws.close(code, reason);
    } else {
      // still before the handshake: the task ends without a connection
      this.readyState = 3;
      setImmediate(() => this.emit('close', { code, reason }));
    }
    return result(opts, true, 'closeSocket:ok');
  }

  /** Test hook: the network drops the connection without a close frame. */
  drop() {
    if (this.ws) this.ws.terminate();
  }
}

/** A new `wx` for one simulated phone. */
function createWx() {
  const env = { offline: false };
  const tasks = [];
  const storage = new Map();
  const live = () => tasks.filter((t) => t.readyState < 3);

  return {
    connectSocket(opts = {}) {
      if (typeof opts.url !== 'string' || !/^wss?:\/\//.test(opts.url)) {
        result(opts, false, 'connectSocket:fail url not well format');
        return undefined;
      }
      if (live().length >= MAX_SOCKETS) {
        result(opts, false, 'connectSocket:fail max connected');
        return undefined;
      }
      const task = new SocketTask(opts.url, opts, env);
      tasks.push(task);
      result(opts, true, 'connectSocket:ok');
      return task;
    },
    getStorageSync(key) {
      return storage.has(key) ? JSON.parse(storage.get(key)) : '';
    },
    setStorageSync(key, value) {
      storage.set(key, JSON.stringify(value));
    },
    removeStorageSync(key) {
      storage.delete(key);
    },

    // ---- test hooks (not part of the real wx) ----
    setOffline(offline) { env.offline = Boolean(offline); },
    sockets() { return tasks.slice(); },
    liveSockets() { return live(); },
    closeAll() {
      for (const t of tasks) {
        if (t.ws) t.ws.terminate();
        t.readyState = 3;
      }
    }
  };
}

module.exports = { createWx, SocketTask };
