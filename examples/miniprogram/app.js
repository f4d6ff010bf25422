// 轻聊 mini-program. As in the original tutorial the socket lives in globalData
// (globalData.io is the current SocketTask), but it is opened once, here, and its
// listeners are registered once per socket; pages subscribe to globalData.bus.
const config = require('./config.js');
const { createEventBus } = require('./utils/event-bus.js');
const { ChatSession } = require('./utils/chat-session.js');

const NICK_KEY = 'qingliao.nick';

App({
  globalData: {
    io: null,       // current SocketTask (replaced on every reconnect)
    session: null,  // ChatSession: the protocol, the heartbeat, reconnect and the message list
    bus: null       // 'change' events with session.snapshot()
  },

  onLaunch() {
    const bus = createEventBus();
    const session = new ChatSession({
      url: config.WS_URL,
      room: config.ROOM,
      nick: wx.getStorageSync(NICK_KEY) || config.NICK,
      onSocket: (task) => { this.globalData.io = task; },
      onChange: (snapshot) => bus.emit('change', snapshot),
      onNick: (nick) => wx.setStorageSync(NICK_KEY, nick)
    });
    this.globalData.bus = bus;
    this.globalData.session = session;
    session.connect();
  },

  onShow() {
    // Back from the background: WeChat has likely cut the socket; reconnect with since.
    if (this.globalData.session) this.globalData.session.resume();
  },

  onHide() {
    if (this.globalData.session) this.globalData.session.pause();
  }
});
