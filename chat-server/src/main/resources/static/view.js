/*
 * 轻聊 web page: DOM builders. Every piece of user text (nicks, messages, room names) enters
 * the page here, through textContent only, never as HTML.
 */
(function () {
  'use strict';

  function codePoints(s) { return Array.from(s); }

  function hue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A chat bubble: round avatar with the nick's first character, the nick, the text. */
  function messageElement(from, text, ts, self) {
    var div = make('div', self ? 'msg self' : 'msg');
    var avatar = make('div', 'avatar', codePoints(from)[0] || '?');
    avatar.setAttribute('aria-hidden', 'true');
    avatar.style.background = 'hsl(' + hue(from) + ', 45%, 55%)';
    var body = make('div', 'body');
    var bubble = make('div', 'bubble');
    if (ts) bubble.title = new Date(ts).toLocaleString('zh-CN');
    bubble.appendChild(make('div', 'text', text));
    body.appendChild(make('div', 'nick', from));
    body.appendChild(bubble);
    div.appendChild(avatar);
    div.appendChild(body);
    return div;
  }

  /** A centred system notice (the original page's .welcome). */
  function noticeElement(text, isError) {
    var div = make('div', isError ? 'system welcome error' : 'system welcome');
    div.appendChild(make('span', null, text));
    return div;
  }

  /** A room's scrolling message list and its tab (name, unread count, leave button). */
  function roomElements(name, handlers) {
    var log = make('section', 'room-log');
    log.dataset.room = name;
    log.hidden = true;
    var historyState = make('div', 'history-state');
    log.appendChild(historyState);
    log.addEventListener('scroll', function () { handlers.onScroll(log); });

    var tab = make('div', 'tab');
    tab.dataset.room = name;
    tab.setAttribute('role', 'tab');
    var unread = make('span', 'unread');
    var leave = make('button', 'leave', '×');
    leave.type = 'button';
    leave.title = '离开房间';
    leave.addEventListener('click', function (event) {
      event.stopPropagation();
      handlers.onLeave();
    });
    tab.appendChild(make('span', 'tab-name', name));
    tab.appendChild(unread);
    tab.appendChild(leave);
    tab.addEventListener('click', handlers.onSelect);
    return { log: log, historyState: historyState, tab: tab, unread: unread, leave: leave };
  }

  /** Fills the member list. */
  function renderMembers(list, names, me) {
    list.replaceChildren();
    names.forEach(function (nick) {
      list.appendChild(make('li', nick === me ? 'me' : null, nick));
    });
  }

  window.QingliaoView = {
    codePoints: codePoints,
    messageElement: messageElement,
    noticeElement: noticeElement,
    roomElements: roomElements,
    renderMembers: renderMembers
  };
})();
