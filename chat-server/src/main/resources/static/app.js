/*
 * 轻聊 web page: rooms, messages and the protocol. Plain browser JavaScript, no build step;
 * view.js builds the DOM (text only through textContent), connection.js owns the socket.
 *
 * WebSocket URL: same host as the page, port 8000 (the server's default WS port), or
 *   ?ws=9000                 another port on the page's host
 *   ?ws=ws://127.0.0.1:9000  a full ws:// or wss:// URL (its own query, e.g. token=, is kept)
 * Optional: ?nick=NAME and ?room=ROOM override what localStorage remembers.
 */
(function () {
  'use strict';

  var View = window.QingliaoView;
  var KEYS = { nick: 'qingliao.nick', rooms: 'qingliao.rooms', room: 'qingliao.room' };
  var DEFAULT_ROOM = 'lobby';
  var HISTORY_PAGE = 50;
  var MAX_ROOMS = 16;
  var ROOM_RE = /^[\p{L}\p{M}\p{Nd}_.\-]{1,64}$/u;
  var STATUS_TEXT = { connecting: '连接中…', open: '已连接', closed: '已断开，重连中…', stopped: '已断开' };
  var ERROR_TEXT = {
    nick_taken: '昵称已被占用',
    invalid_nick: '昵称无效（1-32 个字符，不能含控制字符）',
    invalid_room: '房间名无效（字母、数字、_ - .，最多 64 个字符）',
    not_member: '你不在这个房间里',
    too_long: '消息太长了',
    rate_limited: '发送太快了，请稍候',
    room_limit: '最多只能加入 16 个房间',
    no_such_user: '用户不在线',
    bad_request: '请求无效',
    unknown_type: '未知的请求类型'
  };

  var params = new URLSearchParams(window.location.search);
  var el = {
    status: document.getElementById('status'),
    nick: document.getElementById('nick'),
    joinForm: document.getElementById('join-form'),
    roomInput: document.getElementById('room-input'),
    tabs: document.getElementById('rooms'),
    memberCount: document.getElementById('member-count'),
    members: document.getElementById('members'),
    messages: document.getElementById('messages'),
    inputbar: document.getElementById('inputbar'),
    input: document.getElementById('input')
  };

  var state = {
    wantedNick: params.get('nick') || load(KEYS.nick) || '',
    nick: null,            // the nick the server gave this session
    rooms: new Map(),      // name -> room record, in tab order
    active: null,
    pending: new Map(),    // cid -> {room, text, el, sent}
    cidCounter: 0,
    nickTimer: null,
    nickRetries: 0
  };

  var conn = window.QingliaoConnection.create({ url: connectUrl, onFrame: handle, onDown: onDisconnected });
  var send = conn.send;

  // ---------- storage ----------
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* storage disabled: keep going */ }
  }
  function saveRooms() {
    save(KEYS.rooms, JSON.stringify(Array.from(state.rooms.keys())));
    if (state.active) save(KEYS.room, state.active);
  }

  // ---------- URL ----------
  function wsBaseUrl() {
    var given = params.get('ws');
    var secure = window.location.protocol === 'https:';
    var host = window.location.hostname || '127.0.0.1';
    if (host.indexOf(':') >= 0 && host.charAt(0) !== '[') host = '[' + host + ']';
    if (given && /^\d{1,5}$/.test(given)) return (secure ? 'wss://' : 'ws://') + host + ':' + given + '/';
    if (given && /^wss?:\/\//i.test(given)) return given;
    return (secure ? 'wss://' : 'ws://') + host + ':8000/';
  }

  /** The URL joins the shown room, from the last seq seen there; the others are joined on welcome. */
  function connectUrl() {
    var first = firstRoom();
    var url = new URL(wsBaseUrl());
    url.searchParams.set('format', 'json');
    if (state.wantedNick) url.searchParams.set('nick', state.wantedNick);
    if (first) {
      url.searchParams.set('room', first.name);
      if (first.lastSeq > 0) url.searchParams.set('since', String(first.lastSeq));
    }
    return url.toString();
  }

  function firstRoom() {
    return state.rooms.get(state.active) || state.rooms.values().next().value || null;
  }

  // ---------- connection state ----------
  function setStatus(s) {
    el.status.dataset.state = s === 'stopped' ? 'closed' : s;
    el.status.textContent = STATUS_TEXT[s];
  }

  function onDisconnected(code) {
    clearTimeout(state.nickTimer);
    state.nickTimer = null;
    state.rooms.forEach(function (room) { room.joined = false; room.historyLoading = false; });
    state.pending.forEach(function (p) {
      if (p.sent) { p.el.classList.add('failed'); p.el.title = '发送状态未知'; }
    });
    if (code === 4001) {
      setStatus('stopped');
      notice(state.active, '认证失败，已停止重连', true);
    } else {
      setStatus('closed');
    }
  }

  /**
   * After a reload or a network drop the server may still hold our previous session (until it
   * sees the close or the idle timeout), so the wanted nick comes back taken: ask again later.
   */
  function scheduleNickRetry() {
    clearTimeout(state.nickTimer);
    state.nickTimer = null;
    if (state.nickRetries >= 6 || !state.wantedNick) return;
    var delay = 1000 * Math.pow(2, state.nickRetries);
    state.nickRetries += 1;
    state.nickTimer = setTimeout(function () {
      state.nickTimer = null;
      if (state.nick !== state.wantedNick) send({ type: 'nick', nick: state.wantedNick, cid: 'nick-retry' });
    }, delay);
  }

  // ---------- rooms ----------
  function ensureRoom(name) {
    var room = state.rooms.get(name);
    if (room) return room;
    var parts = View.roomElements(name, {
      onSelect: function () { setActive(name); },
      onLeave: function () { leaveRoom(name); },
      onScroll: function (log) { if (log.scrollTop < 40) loadOlder(room); }
    });
    room = {
      name: name,
      lastSeq: 0,            // highest seq seen: `since` when reconnecting
      seqs: new Map(),       // seq -> element, for dedupe and ordering
      members: [],
      joined: false,
      welcomed: false,
      historyLoading: false,
      historyDone: false,
      unread: 0,
      log: parts.log,
      historyState: parts.historyState,
      tab: parts.tab,
      unreadEl: parts.unread,
      leaveEl: parts.leave
    };
    el.messages.appendChild(room.log);
    el.tabs.appendChild(room.tab);
    state.rooms.set(name, room);
    updateLeaveButtons();
    return room;
  }

  function updateLeaveButtons() {
    var only = state.rooms.size <= 1;
    state.rooms.forEach(function (room) { room.leaveEl.hidden = only; });
  }

  function setActive(name) {
    var room = state.rooms.get(name);
    if (!room) return;
    state.active = name;
    state.rooms.forEach(function (r) {
      var on = r.name === name;
      r.log.hidden = !on;
      r.tab.classList.toggle('active', on);
      r.tab.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    room.unread = 0;
    room.unreadEl.textContent = '';
    renderMembers();
    saveRooms();
    scrollToBottom(room.log);
  }

  function joinRoom(name) {
    if (!ROOM_RE.test(name)) {
      notice(state.active, ERROR_TEXT.invalid_room, true);
      return;
    }
    if (!state.rooms.has(name) && state.rooms.size >= MAX_ROOMS) {
      notice(state.active, ERROR_TEXT.room_limit, true);
      return;
    }
    var room = ensureRoom(name);
    setActive(name);
    if (!room.joined) {
      var frame = { type: 'join', room: name, cid: 'join:' + name };
      if (room.lastSeq > 0) frame.since = room.lastSeq;
      send(frame);
    }
  }

  function leaveRoom(name) {
    if (state.rooms.size <= 1) return;
    send({ type: 'leave', room: name, cid: 'leave:' + name });
    removeRoom(name);
  }

  function removeRoom(name) {
    var room = state.rooms.get(name);
    if (!room) return;
    room.log.remove();
    room.tab.remove();
    state.rooms.delete(name);
    state.pending.forEach(function (p, cid) { if (p.room === name) state.pending.delete(cid); });
    updateLeaveButtons();
    if (state.active === name) {
      var next = state.rooms.keys().next().value;
      state.active = null;
      if (next) setActive(next);
    }
    saveRooms();
  }

  function renderMembers() {
    var room = state.rooms.get(state.active);
    var list = room ? room.members : [];
    el.memberCount.textContent = String(list.length);
    View.renderMembers(el.members, list, state.nick);
  }

  // ---------- the message lists ----------
  function nearBottom(log) {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }
  function scrollToBottom(log) { log.scrollTop = log.scrollHeight; }

  function notice(roomName, text, isError) {
    var room = state.rooms.get(roomName) || state.rooms.get(state.active);
    if (!room) return;
    var stick = nearBottom(room.log);
    room.log.appendChild(View.noticeElement(text, isError));
    if (stick) scrollToBottom(room.log);
  }

  /** Inserts a stored chat message once, in seq order. Returns true when it was new. */
  function addChat(m) {
    var room = state.rooms.get(m.room);
    if (!room || typeof m.seq !== 'number') return false;
    if (m.cid && state.pending.has(m.cid)) {
      state.pending.get(m.cid).el.remove();
      state.pending.delete(m.cid);
    }
    if (room.seqs.has(m.seq)) return false;
    var self = m.from === state.nick;
    var div = View.messageElement(String(m.from), String(m.text), m.ts, self);
    div.dataset.seq = String(m.seq);
    if (m.id) div.dataset.id = String(m.id);
    var stick = nearBottom(room.log);

    var after = null; // the shown message with the next higher seq
    room.seqs.forEach(function (node, seq) {
      if (seq > m.seq && (after === null || seq < Number(after.dataset.seq))) after = node;
    });
    room.log.insertBefore(div, after || room.log.querySelector('.msg.pending'));
    room.seqs.set(m.seq, div);
    if (m.seq > room.lastSeq) room.lastSeq = m.seq;
    if (m.seq <= 1) markHistoryDone(room);
    if (!after && (stick || self)) scrollToBottom(room.log);
    if (!after && room.name !== state.active) {
      room.unread += 1;
      room.unreadEl.textContent = room.unread > 99 ? '99+' : String(room.unread);
    }
    return true;
  }

  function markHistoryDone(room) {
    room.historyDone = true;
    room.historyLoading = false;
    room.historyState.textContent = room.seqs.size > 0 ? '没有更早的消息了' : '';
  }

  function lowestSeq(room) {
    var low = Infinity;
    room.seqs.forEach(function (node, seq) { if (seq < low) low = seq; });
    return low;
  }

  /** Scrolled to the top: the page of history before the lowest seq shown. */
  function loadOlder(room) {
    if (!room.joined || room.historyLoading || room.historyDone) return;
    var before = lowestSeq(room);
    if (before === Infinity) return;
    if (before <= 1) { markHistoryDone(room); return; }
    if (send({ type: 'history', room: room.name, before: before, limit: HISTORY_PAGE, cid: 'history:' + room.name })) {
      room.historyLoading = true;
      room.historyState.textContent = '加载中…';
    }
  }

  // ---------- frames from the server ----------
  function handle(f) {
    switch (f.type) {
      case 'welcome': return onWelcome(f);
      case 'joined': return onJoined(f);
      case 'chat': return addChat(f);
      case 'system': return onSystem(f);
      case 'history': return onHistory(f);
      case 'members': return onMembers(f);
      case 'nick': return onNick(f);
      case 'ack': return onAck(f);
      case 'dm': return onDm(f);
      case 'error': return onError(f);
      default: return; // left, pong
    }
  }

  function onWelcome(f) {
    state.nick = f.nick;
    el.nick.value = f.nick;
    conn.opened(Number(f.heartbeat));
    setStatus('open');
    state.nickRetries = 0;
    if (state.wantedNick && f.nick !== state.wantedNick) scheduleNickRetry();
    // The URL joined the first room; join the others, each from the last seq seen.
    var first = firstRoom();
    state.rooms.forEach(function (room) {
      if (room === first) return;
      var frame = { type: 'join', room: room.name, cid: 'join:' + room.name };
      if (room.lastSeq > 0) frame.since = room.lastSeq;
      send(frame);
    });
    state.pending.forEach(function (p, cid) {
      if (!p.sent) p.sent = send({ type: 'chat', room: p.room, text: p.text, cid: cid });
    });
  }

  function onJoined(f) {
    var room = ensureRoom(f.room);
    if (!state.active) setActive(f.room);
    room.joined = true;
    room.historyLoading = false;
    room.members = Array.isArray(f.members) ? f.members.slice() : [];
    if (f.truncated) {
      // More was missed than the server replays: start this room's list afresh.
      room.seqs.forEach(function (node) { node.remove(); });
      room.seqs.clear();
      room.historyDone = false;
      room.historyState.textContent = '';
      notice(room.name, '离线期间的消息太多，只显示最新的部分', false);
    }
    (Array.isArray(f.history) ? f.history : []).forEach(addChat);
    if (!room.welcomed) {
      room.welcomed = true;
      notice(room.name, '欢迎来到 ' + room.name, false);
    }
    if (f.seq === 0) markHistoryDone(room);
    if (room.name === state.active) renderMembers();
    saveRooms();
    if (room.name === state.active && room.log.scrollHeight <= room.log.clientHeight) loadOlder(room);
  }

  function onSystem(f) {
    var room = state.rooms.get(f.room);
    if (!room) return;
    var text;
    if (f.event === 'join') {
      if (room.members.indexOf(f.nick) < 0) room.members.push(f.nick);
      text = f.nick + ' 加入了房间';
    } else if (f.event === 'leave') {
      room.members = room.members.filter(function (n) { return n !== f.nick; });
      text = f.nick + ' 离开了房间';
    } else if (f.event === 'nick') {
      room.members = room.members.map(function (n) { return n === f.old ? f.nick : n; });
      text = f.old + ' 改名为 ' + f.nick;
    } else {
      text = String(f.text || '');
    }
    notice(room.name, text, false);
    if (room.name === state.active) renderMembers();
  }

  function onHistory(f) {
    var room = state.rooms.get(f.room);
    if (!room) return;
    var log = room.log;
    var fromBottom = log.scrollHeight - log.scrollTop;
    var messages = Array.isArray(f.messages) ? f.messages : [];
    messages.forEach(addChat);
    log.scrollTop = log.scrollHeight - fromBottom;   // keep what the reader was looking at
    room.historyLoading = false;
    if (messages.length < HISTORY_PAGE || lowestSeq(room) <= 1) markHistoryDone(room);
    else room.historyState.textContent = '';
  }

  function onMembers(f) {
    var room = state.rooms.get(f.room);
    if (!room || !Array.isArray(f.members)) return;
    room.members = f.members.slice();
    if (room.name === state.active) renderMembers();
  }

  function onNick(f) {
    clearTimeout(state.nickTimer);
    state.nickTimer = null;
    var old = state.nick;
    state.nick = f.nick;
    state.wantedNick = f.nick;
    el.nick.value = f.nick;
    save(KEYS.nick, f.nick);
    state.rooms.forEach(function (room) {
      room.members = room.members.map(function (n) { return n === old ? f.nick : n; });
    });
    renderMembers();
    notice(state.active, '你已改名为 ' + f.nick, false);
  }

  function onAck(f) {
    var p = f.cid && state.pending.get(f.cid);
    if (p) p.el.classList.remove('pending');
  }

  function onDm(f) {
    var room = state.rooms.get(state.active);
    if (!room) return;
    var self = f.from === state.nick;
    var div = View.messageElement(String(f.from), String(f.text), f.ts, self);
    div.classList.add('dm');
    div.querySelector('.nick').textContent = '私信 ' + f.from + ' → ' + f.to;
    var stick = nearBottom(room.log);
    room.log.appendChild(div);
    if (stick || self) scrollToBottom(room.log);
  }

  function onError(f) {
    var cid = typeof f.cid === 'string' ? f.cid : '';
    if (cid === 'nick-retry') {
      if (f.code === 'nick_taken') scheduleNickRetry();
      return;
    }
    var text = ERROR_TEXT[f.code] || String(f.message || f.code || '出错了');
    if (cid.indexOf('join:') === 0) {
      var name = cid.slice(5);
      var room = state.rooms.get(name);
      if (room && !room.joined && state.rooms.size > 1) removeRoom(name);
    } else if (cid.indexOf('history:') === 0) {
      var r = state.rooms.get(cid.slice(8));
      if (r) { r.historyLoading = false; r.historyState.textContent = ''; }
    } else if (state.pending.has(cid)) {
      var p = state.pending.get(cid);
      p.el.classList.add('failed');
      p.el.classList.remove('pending');
      p.el.title = text;
      state.pending.delete(cid);
    }
    if (f.code === 'nick_taken' || f.code === 'invalid_nick') {
      text += '，当前昵称：' + (state.nick || '');
      el.nick.value = state.nick || '';
    }
    notice(state.active, text, true);
  }

  // ---------- user actions ----------
  function sendText() {
    var text = el.input.value;
    if (!/[^\p{White_Space}]/u.test(text)) return;
    if (View.codePoints(text).length > 4096) { notice(state.active, ERROR_TEXT.too_long, true); return; }
    var room = state.rooms.get(state.active);
    if (!room) return;
    state.cidCounter += 1;
    var cid = 'c' + Date.now().toString(36) + '-' + state.cidCounter;
    var div = View.messageElement(state.nick || state.wantedNick || '我', text, Date.now(), true);
    div.classList.add('pending');
    div.dataset.cid = cid;
    room.log.appendChild(div);
    scrollToBottom(room.log);
    var sent = send({ type: 'chat', room: room.name, text: text, cid: cid });
    state.pending.set(cid, { room: room.name, text: text, el: div, sent: sent });
    el.input.value = '';
    el.input.focus();
  }

  function changeNick() {
    var nick = el.nick.value.trim();
    if (!nick || nick === state.nick) { el.nick.value = state.nick || nick; return; }
    if (View.codePoints(nick).length > 32) { notice(state.active, ERROR_TEXT.invalid_nick, true); return; }
    state.wantedNick = nick;
    if (!send({ type: 'nick', nick: nick, cid: 'nick' })) save(KEYS.nick, nick);
  }

  el.inputbar.addEventListener('submit', function (event) {
    event.preventDefault();
    sendText();
  });
  el.input.addEventListener('keydown', function (event) {
    // Enter that confirms an IME composition (Chinese input) must not send.
    if (event.key === 'Enter' && (event.isComposing || event.keyCode === 229)) event.preventDefault();
  });
  el.nick.addEventListener('change', changeNick);
  el.nick.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.isComposing && event.keyCode !== 229) el.nick.blur();
  });
  el.joinForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var name = el.roomInput.value.trim();
    if (!name) return;
    el.roomInput.value = '';
    joinRoom(name);
  });

  // ---------- start ----------
  (function start() {
    var names = [];
    try { names = JSON.parse(load(KEYS.rooms) || '[]'); } catch (e) { names = []; }
    if (!Array.isArray(names)) names = [];
    names = names.filter(function (n) { return typeof n === 'string' && ROOM_RE.test(n); });
    var wanted = params.get('room');
    if (wanted && ROOM_RE.test(wanted) && names.indexOf(wanted) < 0) names.push(wanted);
    if (names.length === 0) names.push(DEFAULT_ROOM);
    names.slice(0, MAX_ROOMS).forEach(ensureRoom);
    var active = wanted && ROOM_RE.test(wanted) ? wanted : load(KEYS.room);
    setActive(state.rooms.has(active) ? active : names[0]);
    el.nick.value = state.wantedNick;
    setStatus('connecting');
    conn.start();
  })();
})();
