'use strict';
// The real app.js and page against a real Qingliao server, two simulated phones.
// The server URL comes from QINGLIAO_WS_URL (MiniProgramNodeTest in the examples module sets it).
const test = require('node:test');
const assert = require('node:assert/strict');
const { MiniRuntime } = require('../test-support/runtime.js');
const { waitFor, sleep } = require('../test-support/wait.js');

const URL = process.env.QINGLIAO_WS_URL;
const skip = URL ? false : 'QINGLIAO_WS_URL is not set (start a server and point it there)';
const suffix = () => Math.random().toString(36).slice(2, 8);

function phone(t, nick, room) {
  const rt = new MiniRuntime();
  t.after(() => rt.dispose());
  const config = rt.require('config.js');
  config.WS_URL = URL;
  config.ROOM = room;
  config.NICK = nick;
  rt.launch();
  const page = rt.openPage('pages/message/message');
  const session = rt.app.globalData.session;
  return { rt, page, session, nick };
}

const chats = (p) => p.page.data.messages.filter((m) => m.kind === 'chat');
const texts = (p) => chats(p).map((m) => m.text);
const connected = (p) => waitFor(() => p.page.data.status === 'open', p.nick + ' connected');

function assertOnceInOrder(p) {
  const seqs = chats(p).map((m) => m.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'a seq shown twice: ' + seqs);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, 'gap or disorder: ' + seqs);
}

async function say(p, text) {
  p.page.bindInput({ detail: { value: text } });
  p.page.send();
  // stored: the server's echo replaced the pending bubble
  await waitFor(() => chats(p).some((m) => m.text === text && !m.pending && m.seq > 0), text + ' stored');
}

test('two phones chat', { skip, timeout: 30000 }, async (t) => {
  const room = 'mp-' + suffix();
  const bob = phone(t, 'bob-' + suffix(), room);
  await connected(bob);
  const alice = phone(t, 'alice-' + suffix(), room);
  await connected(alice);
  assert.equal(alice.page.data.nick, alice.nick);
  assert.equal(alice.page.data.statusText, '已连接');

  await waitFor(() => bob.page.data.messages.some((m) => m.kind === 'system' && m.text === alice.nick + ' 加入了房间'),
    'join notice at bob');
  assert.equal(bob.page.data.memberCount, 2);

  await say(alice, '你好，bob');
  await waitFor(() => texts(bob).includes('你好，bob'), 'bob receives');
  const atBob = chats(bob).find((m) => m.text === '你好，bob');
  assert.equal(atBob.from, alice.nick);
  assert.equal(atBob.self, false);
  assert.equal(chats(alice).find((m) => m.text === '你好，bob').self, true);

  await say(bob, '<b>hi</b> & 再见');
  await waitFor(() => texts(alice).includes('<b>hi</b> & 再见'), 'alice receives');

  // The original page sent plain text on the socket kept in globalData: still understood.
  alice.rt.app.globalData.io.send({ data: 'plain text from the original page' });
  await waitFor(() => texts(bob).includes('plain text from the original page'), 'plain text at bob');

  await sleep(200);
  assert.deepEqual(texts(bob), ['你好，bob', '<b>hi</b> & 再见', 'plain text from the original page']);
  assert.deepEqual(texts(alice), texts(bob));
  assertOnceInOrder(bob);
  assertOnceInOrder(alice);
});

test('a phone back from the background gets what it missed, exactly once', { skip, timeout: 30000 }, async (t) => {
  const room = 'mp-' + suffix();
  const alice = phone(t, 'alice-' + suffix(), room);
  const bob = phone(t, 'bob-' + suffix(), room);
  await connected(alice);
  await connected(bob);
  await say(alice, 'before');
  await waitFor(() => texts(bob).includes('before'), 'bob has the first message');

  bob.rt.hide();
  const cut = bob.rt.app.globalData.io;
  cut.drop();                                   // WeChat cuts a backgrounded app's socket
  await waitFor(() => bob.page.data.status === 'paused', 'bob disconnected');
  for (const text of ['missed 1', 'missed 2', 'missed 3']) await say(alice, text);
  await sleep(300);
  assert.deepEqual(texts(bob), ['before'], 'nothing arrives while in the background');
  assert.equal(bob.rt.wx.sockets().length, 1, 'no reconnect while in the background');

  bob.rt.show();
  await waitFor(() => texts(bob).includes('missed 3'), 'bob recovers');
  assert.notEqual(bob.rt.app.globalData.io, cut);
  assert.match(bob.rt.app.globalData.io.url, /since=\d+/);
  await say(alice, 'after');
  await waitFor(() => texts(bob).includes('after'), 'live again');
  await sleep(200);
  assert.deepEqual(texts(bob), ['before', 'missed 1', 'missed 2', 'missed 3', 'after']);
  assertOnceInOrder(bob);
  assert.equal(bob.rt.wx.liveSockets().length, 1);
});

test('a socket dropped in the foreground reconnects by itself and recovers once', { skip, timeout: 30000 }, async (t) => {
  const room = 'mp-' + suffix();
  const alice = phone(t, 'alice-' + suffix(), room);
  const bob = phone(t, 'bob-' + suffix(), room);
  bob.session.minBackoffMs = 200;
  bob.session.maxBackoffMs = 1000;
  await connected(alice);
  await connected(bob);
  await say(bob, 'bob was here');
  await waitFor(() => texts(alice).includes('bob was here'), 'alice has it');

  bob.rt.wx.setOffline(true);
  bob.rt.app.globalData.io.drop();
  await waitFor(() => bob.page.data.statusText === '已断开，重连中…', 'bob shows the drop');
  await say(alice, 'while bob was offline 1');
  await say(alice, 'while bob was offline 2');
  await waitFor(() => bob.rt.wx.sockets().length >= 2, 'a failed reconnect attempt');
  assert.equal(bob.page.data.status, 'closed');
  bob.rt.wx.setOffline(false);

  await waitFor(() => bob.page.data.status === 'open', 'bob reconnected');
  await waitFor(() => texts(bob).includes('while bob was offline 2'), 'bob recovers');
  await sleep(300);
  assert.deepEqual(texts(bob), ['bob was here', 'while bob was offline 1', 'while bob was offline 2']);
  assertOnceInOrder(bob);
  assert.equal(bob.rt.wx.liveSockets().length, 1);
});
