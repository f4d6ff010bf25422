/*
 * 轻聊 web page: the WebSocket. Reconnects with exponential backoff (0.5 s doubling to 10 s,
 * jittered), at once when the tab becomes visible or the browser goes online, and stops for
 * good on close 4001 (bad token). Sends the application heartbeat once the page calls
 * opened(heartbeatSeconds) on `welcome`.
 */
(function () {
  'use strict';

  var MAX_BACKOFF_MS = 10000;

  /**
   * options.url()          the URL for the next attempt (it carries `since`)
   * options.onFrame(frame) each JSON object the server sends
   * options.onDown(code)   the socket closed; code 4001 means no more retries
   */
  function createConnection(options) {
    var ws = null;
    var open = false;
    var stopped = false;
    var attempt = 0;
    var reconnectTimer = null;
    var heartbeatTimer = null;

    function connect() {
      reconnectTimer = null;
      var socket;
      try {
        socket = new WebSocket(options.url());
      } catch (e) {
        scheduleReconnect();
        return;
      }
      ws = socket;
      socket.onmessage = function (event) {
        if (socket !== ws || typeof event.data !== 'string') return;
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame && typeof frame.type === 'string') options.onFrame(frame);
      };
      socket.onclose = function (event) {
        if (socket !== ws) return;
        ws = null;
        open = false;
        clearInterval(heartbeatTimer);
        heartbeatTimer = null;
        if (event.code === 4001) stopped = true;
        options.onDown(event.code);
        scheduleReconnect();
      };
      socket.onerror = function () { /* onclose follows and handles it */ };
    }

    function scheduleReconnect() {
      if (stopped || reconnectTimer) return;
      var base = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, attempt));
      attempt += 1;
      reconnectTimer = setTimeout(connect, Math.round(base * (0.75 + Math.random() * 0.5)));
    }

    function reconnectNow() {
      if (open || ws || stopped) return;
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      connect();
    }

    function send(frame) {
      if (!ws || !open) return false;
      try {
        ws.send(JSON.stringify(frame));
        return true;
      } catch (e) {
        return false;
      }
    }

    /** The server said welcome: the session is usable; start the heartbeat. */
    function opened(heartbeatSeconds) {
      open = true;
      attempt = 0;
      clearInterval(heartbeatTimer);
      heartbeatTimer = null;
      if (heartbeatSeconds > 0) {
        heartbeatTimer = setInterval(function () { send({ type: 'ping' }); }, heartbeatSeconds * 1000);
      }
    }

    window.addEventListener('online', reconnectNow);
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') reconnectNow();
    });

    return {
      start: connect,
      send: send,
      opened: opened,
      isOpen: function () { return open; }
    };
  }

  window.QingliaoConnection = { create: createConnection };
})();
