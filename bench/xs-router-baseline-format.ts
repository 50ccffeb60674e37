/**
 * Constants of the route table format shared by the compiler and the matcher.
 * The format itself is documented at the top of compile.ts; this file exists
 * so that a board, which only matches, does not have to bundle the compiler.
 *
 * Never: hold anything but constants.
 */

/** First byte of the table: 'C'. */
export const TABLE_MAGIC_0 = 0x43;
/** Second byte of the table: 'W'. */
export const TABLE_MAGIC_1 = 0x57;
/** Format version written in byte 2. */
export const TABLE_VERSION = 2;
/** Size of the fixed header in bytes. */
export const HEADER_SIZE = 16;

/** Largest table: node offsets are 16 bits. */
export const MAX_TABLE_BYTES = 0xffff;
/** Most routes a table can hold: route indexes are 16 bits. */
export const MAX_ROUTES = 0xffff;
/** Most params (including a trailing wildcard) in one route. */
export const MAX_PARAMS = 32;
/**
 * Most nested branch points (a node with two of: static children, a param
 * child, a wildcard child) on one root-to-leaf path. The matcher recurses once
 * per branch point, so this bounds its stack use on XS.
 */
export const MAX_BACKTRACK_DEPTH = 16;

/** Route-block method code meaning "every method" (method "*"). */
export const ANY_METHOD_CODE = 255;

/** Node flag: has a param child. */
export const FLAG_PARAM = 0x20;
/** Node flag: has a wildcard child. */
export const FLAG_WILDCARD = 0x40;
/** Node flag: has a route block. */
export const FLAG_ROUTES = 0x80;
/** Node flag: the static children are found through a byte index, not a first-byte list. */
export const FLAG_INDEXED = 0x10;
/** Mask of the static child count in the flags byte; the all-ones value means "count in next byte". */
export const STATIC_COUNT_MASK = 0x0f;
/** Nodes with at least this many static children get a byte index (FLAG_INDEXED). */
export const INDEX_MIN_STATICS = 4;
