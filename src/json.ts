/**
 * JSON from clients, parsed without growing the engine's name table.
 *
 * XS makes a key for every new member name JSON.parse meets and never frees
 * one; the board's manifests give it a fixed number (keys.incremental 0),
 * and XS aborts, restarting the board, when they run out. So a client
 * sending bodies with a few hundred made-up names could restart a device.
 * XS's JSON.parse takes an array of the names to keep: the others are
 * skipped without a key. Other engines take no such array (V8 ignores it,
 * Espruino takes one argument) and keep every member, which is harmless
 * there.
 *
 * Never: pass a new array each call on the board (make the list once: in a
 * preloaded module it stays in flash).
 */

/** JSON.parse as XS declares it: a second argument that is an array lists the member names to keep. */
type ParseWithKeys = (text: string, keys?: readonly string[]) => unknown;

/**
 * Parses `text`; with `keys`, XS keeps only members of those names (at any
 * depth) and makes no key for the rest. Throws what JSON.parse throws.
 */
export function parseJson(text: string, keys?: readonly string[]): unknown {
  return keys === undefined ? JSON.parse(text) : (JSON.parse as ParseWithKeys)(text, keys);
}
