/**
 * The engine's own indexer of request header lines, chosen by the build:
 * none in the core, whose parser records every header's span as it parses.
 * The Espruino build serves firmware/espruino/engine-headers.ts in place of
 * this module: its parser checks every header line but records the spans
 * only when something reads a header (RequestHead.indexHeaders), because
 * most requests are answered without reading one, and on Espruino's
 * interpreter recording them was about half the cost of a header line.
 *
 * Why a module and not a Platform member: see engine-codec.ts.
 */
/**
 * Records the spans of the header lines in bytes[from, headEnd) (headEnd
 * just past the blank line) into `spans`, [nameStart, nameEnd, valueStart,
 * valueEnd] per line, as the core's parser would; returns the line count.
 */
export type HeaderIndexer = (bytes: Uint8Array, from: number, headEnd: number, spans: Uint16Array) => number;

/** The indexer RequestHead.indexHeaders calls, or null: the core's parser leaves nothing to index. */
export const ENGINE_HEADER_INDEXER: HeaderIndexer | null = null;
