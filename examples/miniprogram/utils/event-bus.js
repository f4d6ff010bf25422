/**
 * A tiny event bus. app.js owns the one socket and its listeners; pages subscribe here in
 * onLoad and unsubscribe in onUnload, so opening a page again never adds a socket listener
 * (the original tutorial added a new onMessage listener on every page load).
 */
function createEventBus() {
  var handlers = {};

  function off(name, fn) {
    var list = handlers[name];
    if (!list) return;
    handlers[name] = list.filter(function (h) { return h !== fn; });
  }

  return {
    /** Subscribes fn to name; returns the function that unsubscribes it. */
    on: function (name, fn) {
      if (typeof fn !== 'function') throw new TypeError('handler must be a function');
      (handlers[name] = handlers[name] || []).push(fn);
      return function () { off(name, fn); };
    },
    off: off,
    emit: function (name, payload) {
      (handlers[name] || []).slice().forEach(function (fn) { fn(payload); });
    },
    count: function (name) {
      return (handlers[name] || []).length;
    }
  };
}

module.exports = { createEventBus: createEventBus };
