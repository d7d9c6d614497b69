// A stand-in for anywidget's model: get/set/on/off/save_changes/send, events fired
// synchronously on set like Backbone's, plus counters the tests read.

export class FakeModel {
  constructor(state = {}) {
    this.state = { ...state };
    this.handlers = new Map();
    this.sent = [];
    this.saved = 0;
  }

  get(key) {
    return this.state[key];
  }

  set(key, value) {
    const old = this.state[key];
    this.state[key] = value;
    if (old !== value) this.emit(`change:${key}`, this, value);
  }

  on(event, cb) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(cb);
  }

  off(event, cb) {
    this.handlers.get(event)?.delete(cb);
  }

  emit(event, ...args) {
    for (const cb of [...(this.handlers.get(event) ?? [])]) cb(...args);
  }

  save_changes() {
    this.saved += 1;
  }

  send(content, _callbacks, _buffers) {
    this.sent.push(content);
  }

  /** How many callbacks are registered, over all events. */
  listenerCount() {
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }
}

/** Encode a typed array as the `{dtype, shape, buffer: DataView}` ipywidgets delivers. */
export function encoded(typed, shape, dtype) {
  return { dtype, shape, buffer: new DataView(typed.buffer, typed.byteOffset, typed.byteLength) };
}
