/**
 * Where the mini-program connects. Change WS_URL to your server.
 *  - Development (devtools with "不校验合法域名…" ticked, or a phone on the same LAN):
 *    ws://<LAN IP of the server>:8000
 *  - Release: wss://<your whitelisted, ICP-filed domain> (see README.md)
 */
module.exports = {
  WS_URL: 'ws://127.0.0.1:8000',
  ROOM: 'lobby',
  NICK: ''
};
