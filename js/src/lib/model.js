// The part of anywidget's model API the views use (the widget's synced traits and its
// custom messages); js/test/fake_model.js stands in for it in tests.

/**
 * @typedef {Object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, callback: (...args: any[]) => void) => void} on
 * @property {(event: string, callback: (...args: any[]) => void) => void} off
 * @property {() => void} save_changes
 * @property {(content: any, callbacks?: any, buffers?: ArrayBuffer[]) => void} send
 */

export {};
