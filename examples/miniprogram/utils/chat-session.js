/**
 * ChatSession: the mini-program's one connection to a 轻聊 server, on wx.connectSocket.
 *
 * - JSON protocol (format=json); `chat` frames carry a `cid` so the echo replaces the
 *   pending bubble.
 * - Application heartbeat: {"type":"ping"} every `welcome.heartbeat` seconds (mini-programs
 *   cannot send WebSocket ping frames).
 * - Reconnects with exponential backoff while the app is shown, and at once from resume()
 *   (App.onShow), with `since` = the last seq seen, so what was missed is replayed.
 * - Keeps the message list itself: chat messages once each (deduplicated by seq, in seq
 *   order), system notices, and bubbles still pending.
 *
 * Plain CommonJS; `wx` is the global of the mini-program runtime. No DOM, no Node APIs.
 */
var STATUS_TEXT = { connecting: '连接中…', open: '已连接', closed: '已断开，重连中…', paused: '已断开' };
var ERROR_TEXT = {
  nick_taken: '昵称已被占用',
  invalid_nick: '昵称无效',
  invalid_room: '房间名无效',
  too_long: '消息太长了',
  rate_limited: '发送太快了，请稍候',
  not_member: '你不在这个房间里',
  bad_request: '请求无效'
};
var MAX_ITEMS = 500;
var HISTORY_PAGE = 50;
var COLORS = ['#e57373', '#f06292', '#ba68c8', '#7986cb', '#4fc3f7', '#4db6ac', '#81c784', '#ffb74d', '#a1887f', '#90a4ae'];

function avatarColor(nick) {
  var h = 0;
  for (var i = 0; i < nick.length; i++) h = (h * 31 + nick.charCodeAt(i)) >>> 0;
  return COLORS[h % COLORS.length];
}

function firstChar(nick) {
  var chars = Array.from(String(nick));
  return chars.length ? chars[0] : '?';
}

function hasVisibleChar(text) {
  return /[^\s\u0085]/.test(text);
}

class ChatSession {
  /**
   * @param {object} options
   * @param {string} options.url       server URL, e.g. wss://chat.example.com (a query such as ?token= is kept)
   * @param {string} [options.room]    room to join, default "lobby"
   * @param {string} [options.nick]    wanted nick; the server gives guest-N when empty or taken
   * @param {function} [options.onChange]  called with snapshot() after every visible change
   * @param {function} [options.onSocket]  called with each new SocketTask (app.js keeps it in globalData.io)
   * @param {function} [options.onNick]    called with the nick the server confirmed after setNick()
   * @param {number} [options.minBackoffMs] first reconnect delay, default 1000
   * @param {number} [options.maxBackoffMs] reconnect delay cap, default 30000
   */
  constructor(options) {
    if (!options || typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
      throw new Error('ChatSession needs a ws:// or wss:// url');
    }
    this.url = options.url;
    this.room = options.room || 'lobby';
    this.wantedNick = options.nick || '';
    this.onChange = options.onChange || function () {};
    this.onSocket = options.onSocket || function () {};
    this.onNick = options.onNick || function () {};
    this.minBackoffMs = options.minBackoffMs || 1000;
    this.maxBackoffMs = options.maxBackoffMs || 30000;

    this.task = null;
    this.status = 'connecting';
    this.nick = '';
    this.members = [];
    this.lastSeq = 0;         // highest seq seen: `since` on reconnect
    this.items = [];          // what the page shows, in order
    this.seqs = {};           // seq -> true, for dedupe
    this.pending = {};        // cid -> item, bubbles sent or queued but not echoed yet
    this.outbox = [];         // cids of chat messages to send once connected
    this.counter = 0;
    this.attempt = 0;
    this.hidden = false;
    this.closed = false;
    this.historyLoading = false;
    this.historyDone = false;
    this.welcomed = false;    // the "欢迎来到" notice is shown once, not on every reconnect
    this.heartbeatTimer = null;
    this.reconnectTimer = null;
    this.nickTimer = null;
    this.nickRetries = 0;
  }

  // ---------- lifecycle ----------

  /** Opens the socket unless one is open or opening. */
  connect() {
    if (this.task || this.closed) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.status === 'paused') this.setStatus('closed');
    var self = this;
    var task = wx.connectSocket({
      url: this.connectUrl(),
      fail: function () {
        if (self.task === task) self.onDisconnected(task, 0);
      }
    });
    if (!task) {
      // refused before any network activity (bad URL, too many sockets): try again later
      if (this.status === 'open') this.setStatus('closed');
      this.scheduleReconnect();
      return;
    }
    this.task = task;
    // SocketTask listeners cannot be removed, so each task gets its listeners exactly once,
    // here, and they ignore events once the task is no longer the current one.
    task.onMessage(function (res) {
      if (self.task === task && typeof res.data === 'string') self.onFrame(res.data);
    });
    task.onError(function () {
      if (self.task === task) self.onDisconnected(task, 1006);
    });
    task.onClose(function (res) {
      if (self.task === task) self.onDisconnected(task, res && res.code);
    });
    this.onSocket(task);
  }

  /** App.onShow: reconnect at once (with since) if the socket is gone. */
  resume() {
    this.hidden = false;
    if (!this.task) {
      this.attempt = 0;
      this.connect();
    }
  }

  /** App.onHide: WeChat cuts sockets of a backgrounded app after a few seconds; do not retry meanwhile. */
  pause() {
    this.hidden = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Closes the socket for good (code 1000). */
  close() {
    this.closed = true;
    clearTimeout(this.nickTimer);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
    var task = this.task;
    this.task = null;
    if (task) task.close({ code: 1000, reason: 'bye' });
    this.setStatus('paused');
  }

  connectUrl() {
    var query = ['format=json', 'room=' + encodeURIComponent(this.room)];
    if (this.wantedNick) query.push('nick=' + encodeURIComponent(this.wantedNick));
    if (this.lastSeq > 0) query.push('since=' + this.lastSeq);
    return this.url + (this.url.indexOf('?') >= 0 ? '&' : '?') + query.join('&');
  }

  onDisconnected(task, code) {
    if (this.task !== task) return;
    this.task = null;
    this.stopHeartbeat();
    clearTimeout(this.nickTimer);
    this.nickTimer = null;
    this.historyLoading = false;
    // Release the native socket: WeChat allows only 5 at once.
    if (task.readyState === undefined || task.readyState < 2) {
      task.close({ code: 1000, reason: '', fail: function () {} });
    }
    if (this.closed) return;
    if (code === 4001) {
      this.closed = true;
      this.addNotice('认证失败，已停止重连', true);
      this.setStatus('paused');
      return;
    }
    this.setStatus(this.hidden ? 'paused' : 'closed');
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.hidden || this.closed || this.reconnectTimer) return;
    var base = Math.min(this.maxBackoffMs, this.minBackoffMs * Math.pow(2, this.attempt));
    this.attempt += 1;
    var self = this;
    this.reconnectTimer = setTimeout(function () {
      self.reconnectTimer = null;
      self.connect();
    }, Math.round(base * (0.75 + Math.random() * 0.5)));
  }

  /**
   * After a network drop the server may still hold the previous session (until it notices the
   * drop or its idle timeout), so the wanted nick comes back taken: ask again a little later.
   */
  scheduleNickRetry() {
    clearTimeout(this.nickTimer);
    this.nickTimer = null;
    if (this.nickRetries >= 6 || !this.wantedNick) return;
    var delay = 1000 * Math.pow(2, this.nickRetries);
    this.nickRetries += 1;
    var self = this;
    this.nickTimer = setTimeout(function () {
      self.nickTimer = null;
      if (self.nick !== self.wantedNick) self.sendFrame({ type: 'nick', nick: self.wantedNick, cid: 'nick-retry' });
    }, delay);
  }

  startHeartbeat(seconds) {
    this.stopHeartbeat();
    if (!(seconds > 0)) return;
    var self = this;
    this.heartbeatTimer = setInterval(function () { self.sendFrame({ type: 'ping' }); }, seconds * 1000);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  sendFrame(frame) {
    if (!this.task || this.status !== 'open') return false;
    this.task.send({ data: JSON.stringify(frame), fail: function () {} });
    return true;
  }

  // ---------- user actions ----------

  /** Sends a chat message, or queues it until connected. Returns false for blank text. */
  sendText(text) {
    text = String(text == null ? '' : text);
    if (!hasVisibleChar(text)) return false;
    if (Array.from(text).length > 4096) {
      this.addNotice(ERROR_TEXT.too_long, true);
      return false;
    }
    this.counter += 1;
    var cid = 'mp' + Date.now().toString(36) + this.counter;
    var item = {
      key: 'p' + this.counter, kind: 'chat', seq: 0, from: this.nick || this.wantedNick || '我', text: text,
      self: true, pending: true, avatar: firstChar(this.nick || this.wantedNick || '我'),
      color: avatarColor(this.nick || this.wantedNick || '我')
    };
    this.pending[cid] = item;
    this.items.push(item);
    if (!this.sendFrame({ type: 'chat', room: this.room, text: text, cid: cid })) this.outbox.push(cid);
    this.changed();
    return true;
  }

  /** Asks the server for another nick; onNick is called when it agrees. */
  setNick(nick) {
    nick = String(nick || '').trim();
    if (!nick || nick === this.nick) return false;
    this.wantedNick = nick;
    return this.sendFrame({ type: 'nick', nick: nick, cid: 'nick' });
  }

  /** Loads the page of history before the oldest message shown (scroll-view's bindscrolltoupper). */
  loadOlder() {
    if (this.historyLoading || this.historyDone || this.status !== 'open') return false;
    var lowest = this.lowestSeq();
    if (lowest === Infinity) return false;
    if (lowest <= 1) {
      this.historyDone = true;
      return false;
    }
    this.historyLoading = this.sendFrame({ type: 'history', room: this.room, before: lowest, limit: HISTORY_PAGE });
    return this.historyLoading;
  }

  // ---------- frames from the server ----------

  onFrame(data) {
    var f;
    try { f = JSON.parse(data); } catch (e) { return; }
    if (!f || typeof f.type !== 'string') return;
    switch (f.type) {
      case 'welcome': this.onWelcome(f); break;
      case 'joined': this.onJoined(f); break;
      case 'chat': if (f.room === this.room && this.addChat(f)) this.changed(); break;
      case 'system': this.onSystem(f); break;
      case 'history': this.onHistory(f); break;
      case 'nick': this.onNickReply(f); break;
      case 'error': this.onServerError(f); break;
      default: break; // ack, pong, members, left, dm: nothing to show
    }
  }

  onWelcome(f) {
    this.nick = String(f.nick);
    this.attempt = 0;
    this.setStatus('open');
    this.startHeartbeat(Number(f.heartbeat));
    this.nickRetries = 0;
    if (this.wantedNick && this.nick !== this.wantedNick) this.scheduleNickRetry();
    var queued = this.outbox;
    this.outbox = [];
    for (var i = 0; i < queued.length; i++) {
      var item = this.pending[queued[i]];
      if (item) this.sendFrame({ type: 'chat', room: this.room, text: item.text, cid: queued[i] });
    }
    this.changed();
  }

  onJoined(f) {
    if (f.room !== this.room) return;
    this.members = Array.isArray(f.members) ? f.members.slice() : [];
    if (f.truncated) {
      // More was missed than the server replays: start the list afresh.
      this.items = this.items.filter(function (it) { return it.pending; });
      this.seqs = {};
      this.historyDone = false;
      this.addNotice('离线期间的消息太多，只显示最新的部分', false);
    }
    var history = Array.isArray(f.history) ? f.history : [];
    for (var i = 0; i < history.length; i++) this.addChat(history[i]);
    if (f.seq === 0 || this.lowestSeq() <= 1) this.historyDone = true;
    if (!this.welcomed) {
      this.welcomed = true;
      this.addNotice('欢迎来到 ' + this.room, false);
    }
    this.changed();
  }

  onSystem(f) {
    if (f.room !== this.room) return;
    var text;
    if (f.event === 'join') {
      if (this.members.indexOf(f.nick) < 0) this.members.push(f.nick);
      text = f.nick + ' 加入了房间';
    } else if (f.event === 'leave') {
      this.members = this.members.filter(function (n) { return n !== f.nick; });
      text = f.nick + ' 离开了房间';
    } else if (f.event === 'nick') {
      this.members = this.members.map(function (n) { return n === f.old ? f.nick : n; });
      text = f.old + ' 改名为 ' + f.nick;
    } else {
      text = String(f.text || '');
    }
    this.addNotice(text, false);
    this.changed();
  }

  onHistory(f) {
    if (f.room !== this.room) return;
    var messages = Array.isArray(f.messages) ? f.messages : [];
    for (var i = 0; i < messages.length; i++) this.addChat(messages[i]);
    this.historyLoading = false;
    if (messages.length < HISTORY_PAGE || this.lowestSeq() <= 1) this.historyDone = true;
    this.changed();
  }

  onNickReply(f) {
    clearTimeout(this.nickTimer);
    this.nickTimer = null;
    var old = this.nick;
    this.nick = String(f.nick);
    this.wantedNick = this.nick;
    this.members = this.members.map(function (n) { return n === old ? f.nick : n; });
    this.addNotice('你已改名为 ' + this.nick, false);
    this.onNick(this.nick);
    this.changed();
  }

  onServerError(f) {
    if (f.cid === 'nick-retry') {
      if (f.code === 'nick_taken') this.scheduleNickRetry();
      return;
    }
    var item = f.cid && this.pending[f.cid];
    if (item) {
      item.pending = false;
      item.failed = true;
      delete this.pending[f.cid];
    }
    var text = ERROR_TEXT[f.code] || String(f.message || f.code || '出错了');
    if (f.code === 'nick_taken' || f.code === 'invalid_nick') text += '，当前昵称：' + this.nick;
    this.addNotice(text, true);
    this.changed();
  }

  // ---------- the list ----------

  /** Adds a stored chat message once, in seq order. Returns true when it was new. */
  addChat(m) {
    if (!m || typeof m.seq !== 'number') return false;
    var pendingItem = m.cid && this.pending[m.cid];
    if (pendingItem) {
      delete this.pending[m.cid];
      this.items = this.items.filter(function (it) { return it !== pendingItem; });
    }
    if (this.seqs[m.seq]) return Boolean(pendingItem);
    this.seqs[m.seq] = true;
    var from = String(m.from);
    var item = {
      key: 'm' + m.seq, kind: 'chat', seq: m.seq, id: m.id, from: from, text: String(m.text), ts: m.ts,
      self: from === this.nick, pending: false, avatar: firstChar(from), color: avatarColor(from)
    };
    var at = this.items.length;
    if (m.seq > this.lastSeq) {
      // newest: before the first pending bubble
      for (var i = 0; i < this.items.length; i++) {
        if (this.items[i].pending) { at = i; break; }
      }
      this.lastSeq = m.seq;
    } else {
      // older (history or a replay): before the first message with a higher seq
      for (var j = 0; j < this.items.length; j++) {
        if (this.items[j].seq > m.seq) { at = j; break; }
      }
    }
    this.items.splice(at, 0, item);
    if (this.items.length > MAX_ITEMS) {
      this.items.splice(0, this.items.length - MAX_ITEMS);
      this.historyDone = false;
    }
    return true;
  }

  addNotice(text, isError) {
    this.counter += 1;
    this.items.push({ key: 'n' + this.counter, kind: 'system', text: text, error: Boolean(isError) });
  }

  lowestSeq() {
    var low = Infinity;
    for (var i = 0; i < this.items.length; i++) {
      if (this.items[i].seq > 0 && this.items[i].seq < low) low = this.items[i].seq;
    }
    return low;
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  /** What the page renders: plain data, safe to pass to setData. */
  snapshot() {
    return {
      status: this.status,
      statusText: STATUS_TEXT[this.status],
      nick: this.nick,
      room: this.room,
      memberCount: this.members.length,
      messages: this.items.map(function (it) { return Object.assign({}, it); })
    };
  }

  changed() {
    this.onChange(this.snapshot());
  }
}

module.exports = { ChatSession: ChatSession, STATUS_TEXT: STATUS_TEXT };
