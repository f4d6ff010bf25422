'use strict';
/**
 * Runs the mini-program's real files under Node, one simulated phone per MiniRuntime.
 * Each runtime is its own `vm` context with its own `wx`, App(), Page(), getApp() and
 * getCurrentPages() globals and its own CommonJS module cache, as each phone has its own
 * JavaScript engine. Timers made inside it are tracked so dispose() leaves nothing behind.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createWx } = require('./wx-standin.js');

const PROJECT = path.resolve(__dirname, '..');

class MiniRuntime {
  constructor({ root = PROJECT } = {}) {
    this.root = root;
    this.wx = createWx();
    this.modules = new Map();
    this.app = null;
    this.pageDefs = new Map();
    this.pages = [];
    this.timers = new Set();
    this.disposed = false;

    const timers = this.timers;
    const guard = () => !this.disposed;
    let loadingRoute = null;
    this.setLoadingRoute = (route) => { loadingRoute = route; };
    const sandbox = {
      console,
      wx: this.wx,
      App: (def) => {
        if (this.app) throw new Error('App() called twice');
        this.app = def;
      },
      Page: (def) => {
        if (!loadingRoute) throw new Error('Page() called outside a page module');
        this.pageDefs.set(loadingRoute, def);
      },
      getApp: () => this.app,
      getCurrentPages: () => this.pages.slice(),
      setTimeout: (fn, ms, ...args) => {
        if (!guard()) return 0;
        const t = setTimeout(() => { timers.delete(t); fn(...args); }, ms);
        timers.add(t);
        return t;
      },
      clearTimeout: (t) => { if (t) { clearTimeout(t); timers.delete(t); } },
      setInterval: (fn, ms, ...args) => {
        if (!guard()) return 0;
        const t = setInterval(fn, ms, ...args);
        timers.add(t);
        return t;
      },
      clearInterval: (t) => { if (t) { clearInterval(t); timers.delete(t); } }
    };
    this.context = vm.createContext(sandbox);
  }

  /** require() of a project file, path relative to the project root. */
  require(file) {
    return this.load(path.resolve(this.root, file));
  }

  load(filename) {
    if (!filename.endsWith('.js') && !filename.endsWith('.json')) filename += '.js';
    if (!filename.startsWith(this.root + path.sep)) throw new Error('outside the project: ' + filename);
    if (this.modules.has(filename)) return this.modules.get(filename).exports;
    const module = { exports: {} };
    this.modules.set(filename, module);
    const source = fs.readFileSync(filename, 'utf8');
    if (filename.endsWith('.json')) {
      module.exports = JSON.parse(source);
      return module.exports;
    }
    const wrapper = vm.runInContext(
      '(function (module, exports, require, __filename, __dirname) {' + source + '\n})',
      this.context, { filename });
    const dir = path.dirname(filename);
    const localRequire = (spec) => {
      if (!spec.startsWith('.')) throw new Error('mini-program code may only require project files: ' + spec);
      return this.load(path.resolve(dir, spec));
    };
    wrapper(module, module.exports, localRequire, filename, dir);
    return module.exports;
  }

  /** Loads app.js and runs onLaunch and onShow, as WeChat does at start. */
  launch(query = {}) {
    this.require('app.js');
    if (!this.app) throw new Error('app.js did not call App()');
    if (this.app.onLaunch) this.app.onLaunch({ path: 'pages/message/message', query });
    if (this.app.onShow) this.app.onShow({ path: 'pages/message/message', query });
    return this.app;
  }

  /** Opens a page: loads its module once, makes an instance, runs onLoad and onShow. */
  openPage(route, query = {}) {
    if (!this.pageDefs.has(route)) {
      this.setLoadingRoute(route);
      try {
        this.require(route + '.js');
      } finally {
        this.setLoadingRoute(null);
      }
    }
    const def = this.pageDefs.get(route);
    if (!def) throw new Error(route + ' did not call Page()');
    const page = { route, data: JSON.parse(JSON.stringify(def.data || {})) };
    for (const [key, value] of Object.entries(def)) {
      if (key !== 'data') page[key] = typeof value === 'function' ? value.bind(page) : value;
    }
    page.setData = (update, callback) => {
      if (!this.pages.includes(page)) throw new Error('setData on an unloaded page');
      // WeChat copies data across threads as JSON; so do we (catches non-serialisable data).
      const copy = JSON.parse(JSON.stringify(update));
      for (const [key, value] of Object.entries(copy)) page.data[key] = value;
      if (typeof callback === 'function') setImmediate(callback);
    };
    this.pages.push(page);
    if (page.onLoad) page.onLoad(query);
    if (page.onShow) page.onShow();
    return page;
  }

  closePage(page) {
    const i = this.pages.indexOf(page);
    if (i < 0) return;
    if (page.onUnload) page.onUnload();
    this.pages.splice(i, 1);
  }

  /** The app goes to the background (home button): App.onHide. */
  hide() {
    for (const p of this.pages) if (p.onHide) p.onHide();
    if (this.app && this.app.onHide) this.app.onHide();
  }

  /** Back to the foreground: App.onShow. */
  show() {
    if (this.app && this.app.onShow) this.app.onShow({});
    for (const p of this.pages) if (p.onShow) p.onShow();
  }

  dispose() {
    this.disposed = true;
    for (const t of this.timers) { clearTimeout(t); clearInterval(t); }
    this.timers.clear();
    this.wx.closeAll();
  }
}

module.exports = { MiniRuntime, PROJECT };
