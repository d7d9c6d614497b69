// The custom message types between the Python widgets and the views. Both sides read
// nbviz/widgets/messages.json (esbuild and vitest bundle it), so each type is written once.
import table from "../../../nbviz/widgets/messages.json";

/**
 * The `type` a message named `name` travels as; throws at load if the table lacks it.
 * @param {string} name
 * @returns {string}
 */
function messageType(name) {
  const type = /** @type {Record<string, unknown>} */ (table)[name];
  if (typeof type !== "string") throw new Error(`nbviz: messages.json has no message ${JSON.stringify(name)}`);
  return type;
}

/** View → Python: stop the running job (the status strip's Stop button). */
export const STOP = messageType("stop");
/** View → Python: start the job (the LDAM viewer's ▶ Run). */
export const RUN = messageType("run");
/** Python → view: scroll the image grid to `index`. */
export const SCROLL_TO = messageType("scroll_to");
/** Python → view: large points are on their way; the tour holds its drawing until they arrive. */
export const POINTS_INCOMING = messageType("points_incoming");
/** View → Python: send the streamed points of `token` (nbviz/widgets/streaming.py). */
export const POINTS_PULL = messageType("points_pull");
/** Python → view: one piece of streamed points: `token`, `offset`, `length`, `total`. */
export const POINTS_CHUNK = messageType("points_chunk");
/** View → Python: open the chosen unit's LDAM chains (the layer explorer's button). */
export const OPEN_CHAINS = messageType("open_chains");
