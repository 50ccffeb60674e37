/**
 * Names of the resources \`chipweb build\` links into the firmware, shared by
 * the build (toolchain/) and the board (start.ts).
 *
 * Never: import anything: the build loads this file in Node.
 */

/** The route table, compiled at build time and read from flash. */
export const ROUTE_TABLE_RESOURCE = 'routes.bin';
