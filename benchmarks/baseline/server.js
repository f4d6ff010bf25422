// The original Node demo, re-created as the baseline of the end-to-end load test
// (benchmarks/run-load.sh): a `ws` server on port 8000 (env PORT) that greets each client
// with 嗨嗨 and broadcasts every message it gets to every open client, the sender included,
// as the demo's author would add next. It logs nothing per message, keeps no history and
// has no rooms, no rate limit and no slow-consumer limit.
'use strict';
const WebSocket = require('ws');

const port = Number(process.env.PORT || 8000);
const host = process.env.HOST || '0.0.0.0';
const wss = new WebSocket.Server({ port, host });

wss.on('connection', (ws) => {
  ws.send('嗨嗨');
  ws.on('message', (data, isBinary) => {
    wss.clients.forEach((c) => c.readyState === WebSocket.OPEN && c.send(data, { binary: isBinary }));
  });
});

wss.on('listening', () => console.log(`baseline ws server listening on ${host}:${port} (pid ${process.pid})`));
const stop = () => wss.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
