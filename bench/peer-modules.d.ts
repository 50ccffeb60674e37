/**
 * Types of the benchmark peers that bench entries bundle for XS (installed
 * by `npm run bench:setup` into bench/node_modules, not a dependency of the
 * package): declared here, so `npm test` type-checks without them.
 */
declare module '@noble/hashes/sha2.js' {
  /** An incremental hash. */
  interface Hash {
    update(data: Uint8Array): Hash;
    digest(): Uint8Array;
  }
  /** SHA-256 of `message`, or an incremental hasher from create(). */
  export const sha256: ((message: Uint8Array) => Uint8Array) & { create(): Hash };
}
