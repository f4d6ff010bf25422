'use strict';
// The mini-program's own logic against a scripted socket: no server needed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { MiniRuntime } = require('../test-support/runtime.js');
const { waitFor, sleep } = require('../test-support/wait.js');

/** A SocketTask whose server side is the test. */
class ScriptedTask {
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.listeners = { open: [], message: [], error: [], close: [] };
    this.readyState = 0;
  }
  onOpen(fn) { this.listeners.open.push(fn); }
  onMessage(fn) { this.listeners.message.push(fn); }
  onError(fn) { this.listeners.error.push(fn); }
  onClose(fn) { this.listeners.close.push(fn); }
  send(opts) {
    if (this.readyState !== 1) { if (opts.fail) opts.fail({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' }); return; }
    this.sent.push(JSON.parse(opts.data));
  }
  close() { this.readyState = 3; }
  // server side
  open() { this.readyState = 1; this.listeners.open.forEach((fn) => fn({ header: {} })); }
  push(frame) { this.listeners.message.forEach((fn) => fn({ data: JSON.stringify(frame) })); }
  drop() {
    this.readyState = 3;
    this.listeners.error.forEach((fn) => fn({ errMsg: 'abnormal closure' }));
    this.listeners.close.forEach((fn) => fn({ code: 1006, reason: 'abnormal closure' }));
  }
  frames(type) { return this.sent.filter((f) => f.type === type); }
}

function phone(t, nick = '') {
  const rt = new MiniRuntime();
  const tasks = [];
  rt.wx.connectSocket = (opts) => {
    const task = new ScriptedTask(opts.url);
    tasks.push(task);
    return task;
  };
  rt.require('config.js').WS_URL = 'ws://test.invalid:8000';
  rt.require('config.js').NICK = nick;
  t.after(() => rt.dispose());
  rt.launch();
  const page = rt.openPage('pages/message/message');
  return { rt, tasks, page, app: rt.app };
}

function chat(seq, text, from = 'bob', extra = {}) {
  return Object.assign({ type: 'chat', id: 'id' + seq, room: 'lobby', seq, from, text, ts: 1700000000000 + seq }, extra);
}

function connectAs(task, nick, heartbeat = 25, history = []) {
  task.open();
  task.push({ type: 'welcome', session: 's1', nick, heartbeat, server: 'test' });
  task.push({ type: 'joined', room: 'lobby', members: [nick, 'bob'], seq: history.length ? history[history.length - 1].seq : 0, history, truncated: false });
}

const chats = (page) => page.data.messages.filter((m) => m.kind === 'chat');

test('the page starts with an empty message list, not undefined', { timeout: 5000 }, (t) => {
  const { page, tasks } = phone(t);
  assert.ok(Array.isArray(page.data.messages));
  assert.equal(page.data.statusText, '连接中…');
  assert.equal(tasks.length, 1);
  assert.match(tasks[0].url, /^ws:\/\/test\.invalid:8000\?format=json&room=lobby$/);
});

test('the socket has one message listener however often the page is opened', { timeout: 5000 }, (t) => {
  const { rt, tasks, page, app } = phone(t);
  rt.closePage(page);
  rt.closePage(rt.openPage('pages/message/message'));
  const again = rt.openPage('pages/message/message');
  assert.equal(tasks[0].listeners.message.length, 1);
  assert.equal(app.globalData.bus.count('change'), 1);
  connectAs(tasks[0], 'alice');
  tasks[0].push(chat(1, '你好'));
  assert.deepEqual(chats(again).map((m) => m.text), ['你好']);
  assert.equal(app.globalData.io, tasks[0]);
});

test('pings every welcome.heartbeat seconds', { timeout: 5000 }, async (t) => {
  const { tasks } = phone(t);
  connectAs(tasks[0], 'alice', 0.05);
  await waitFor(() => tasks[0].frames('ping').length >= 3, 'three pings', 2000);
  assert.deepEqual(tasks[0].frames('ping')[0], { type: 'ping' });
});

test('shows each message once and in seq order, whatever order frames come in', { timeout: 5000 }, (t) => {
  const { tasks, page } = phone(t);
  connectAs(tasks[0], 'alice', 25, [chat(3, 'c'), chat(4, 'd')]);
  tasks[0].push(chat(4, 'd'));
  tasks[0].push(chat(6, 'f'));
  tasks[0].push(chat(5, 'e'));
  tasks[0].push({ type: 'history', room: 'lobby', messages: [chat(1, 'a'), chat(2, 'b'), chat(3, 'c')] });
  assert.deepEqual(chats(page).map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(chats(page).map((m) => m.text), ['a', 'b', 'c', 'd', 'e', 'f']);
});

test('asks for older history before the lowest seq shown', { timeout: 5000 }, (t) => {
  const { tasks, page } = phone(t);
  const history = [];
  for (let seq = 51; seq <= 100; seq++) history.push(chat(seq, 'm' + seq));
  connectAs(tasks[0], 'alice', 25, history);
  page.loadOlder();
  page.loadOlder(); // a second scroll while loading asks nothing more
  assert.deepEqual(tasks[0].frames('history'), [{ type: 'history', room: 'lobby', before: 51, limit: 50 }]);
});

test('reconnects after a drop with since = last seq seen and recovers the gap once', { timeout: 10000 }, async (t) => {
  const { tasks, page, app } = phone(t);
  app.globalData.session.minBackoffMs = 10;
  connectAs(tasks[0], 'alice', 25, [chat(1, 'a'), chat(2, 'b')]);
  tasks[0].drop();
  assert.equal(page.data.statusText, '已断开，重连中…');
  await waitFor(() => tasks.length === 2, 'a second socket', 3000);
  assert.match(tasks[1].url, /since=2(&|$)/);
  assert.equal(tasks[0].listeners.message.length, 1);
  connectAs(tasks[1], 'alice', 25, [chat(2, 'b'), chat(3, 'c')]);
  tasks[1].push(chat(3, 'c'));
  assert.equal(page.data.statusText, '已连接');
  assert.deepEqual(chats(page).map((m) => m.seq), [1, 2, 3]);
  assert.equal(app.globalData.io, tasks[1]);
  await sleep(50);
  assert.equal(tasks.length, 2, 'no extra socket once connected');
});

test('does not reconnect in the background; reconnects at once on show', { timeout: 5000 }, async (t) => {
  const { rt, tasks, page } = phone(t);
  connectAs(tasks[0], 'alice', 25, [chat(7, 'g')]);
  rt.hide();
  tasks[0].drop();
  await sleep(1500);
  assert.equal(tasks.length, 1);
  assert.equal(page.data.statusText, '已断开');
  rt.show();
  assert.equal(tasks.length, 2);
  assert.match(tasks[1].url, /since=7/);
});

test('the echo replaces the pending bubble; text typed offline is sent after reconnect', { timeout: 10000 }, async (t) => {
  const { tasks, page, app } = phone(t);
  app.globalData.session.minBackoffMs = 10;
  connectAs(tasks[0], 'alice');
  page.bindInput({ detail: { value: '第一条' } });
  page.send();
  assert.equal(page.data.text, '');
  const [first] = tasks[0].frames('chat');
  assert.equal(first.text, '第一条');
  assert.equal(chats(page).length, 1);
  assert.equal(chats(page)[0].pending, true);
  tasks[0].push(chat(1, '第一条', 'alice', { cid: first.cid }));
  assert.deepEqual(chats(page).map((m) => [m.seq, m.pending, m.self]), [[1, false, true]]);

  tasks[0].drop();
  page.bindInput({ detail: { value: '离线时写的' } });
  page.send();
  page.bindInput({ detail: { value: '   ' } });
  page.send();
  assert.equal(page.data.text, '   ', 'blank text is not sent');
  await waitFor(() => tasks.length === 2, 'a second socket', 3000);
  connectAs(tasks[1], 'alice', 25, []);
  const resent = tasks[1].frames('chat');
  assert.deepEqual(resent.map((f) => f.text), ['离线时写的']);
});

test('asks again for a nick still held by its previous session', { timeout: 10000 }, async (t) => {
  const { tasks, page, rt } = phone(t, 'alice');
  assert.match(tasks[0].url, /nick=alice/);
  tasks[0].open();
  tasks[0].push({ type: 'welcome', session: 's2', nick: 'guest-7', heartbeat: 25, server: 'test' });
  tasks[0].push({ type: 'error', code: 'nick_taken', message: 'nick taken' });
  tasks[0].push({ type: 'joined', room: 'lobby', members: ['guest-7'], seq: 0, history: [], truncated: false });
  assert.equal(page.data.nick, 'guest-7');
  await waitFor(() => tasks[0].frames('nick').length === 1, 'a nick retry', 3000);
  assert.deepEqual(tasks[0].frames('nick')[0], { type: 'nick', nick: 'alice', cid: 'nick-retry' });
  tasks[0].push({ type: 'nick', nick: 'alice', cid: 'nick-retry' });
  assert.equal(page.data.nick, 'alice');
  assert.equal(rt.wx.getStorageSync('qingliao.nick'), 'alice');
});
