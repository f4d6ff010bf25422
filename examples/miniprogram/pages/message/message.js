// 轻聊 chat page. The list is initialised (the original left data.messages undefined) and
// the page only subscribes to the app's event bus: the socket and its single onMessage
// listener live in app.js, so loading the page again adds no listener.
Page({
  data: {
    messages: [],
    text: '',
    nick: '',
    room: '',
    memberCount: 0,
    status: 'connecting',
    statusText: '连接中…',
    lastId: ''
  },

  onLoad() {
    const app = getApp();
    this.session = app.globalData.session;
    this.unsubscribe = app.globalData.bus.on('change', (snapshot) => this.render(snapshot));
    this.render(this.session.snapshot());
  },

  onUnload() {
    if (this.unsubscribe) this.unsubscribe();
    this.unsubscribe = null;
  },

  render(snapshot) {
    const messages = snapshot.messages;
    const newest = messages.length ? messages[messages.length - 1].key : '';
    const update = {
      messages,
      nick: snapshot.nick,
      room: snapshot.room,
      memberCount: snapshot.memberCount,
      status: snapshot.status,
      statusText: snapshot.statusText
    };
    // Follow the newest message, but not when older history was added at the top.
    if (newest !== this.newestKey) {
      this.newestKey = newest;
      update.lastId = newest;
    }
    this.setData(update);
  },

  bindInput(e) {
    this.setData({ text: e.detail.value });
  },

  send() {
    if (this.session.sendText(this.data.text)) this.setData({ text: '' });
  },

  onNickConfirm(e) {
    this.session.setNick(e.detail.value);
  },

  loadOlder() {
    this.session.loadOlder();
  }
});
