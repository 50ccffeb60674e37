/**
 * The Platform interface: the only way the core reaches the world.
 *
 * Every host implements it: firmware/moddable (ECMA-419 on the board),
 * host-sim/node-platform.ts (Node sockets), host-sim/memory-platform.ts (in
 * memory, virtual clock) and host-sim/xs/hosted-platform.ts (inside XS);
 * all pass the shared conformance cases (docs/architecture.md).
 * The shape follows ECMA-419: sockets are pulled into and written from
 * caller-owned buffers, readiness is reported by callbacks with byte counts,
 * and writes report how much was accepted so the caller can apply backpressure.
 *
 * Never: allocate per read or write on the core's side of this interface;
 * callbacks receive the socket object the platform already holds.
 */

/** A connected TCP stream as the core sees it. */
export interface Socket {
  /**
   * The pool slot the server attached to this socket, or -1. Owned by the
   * server; platforms only initialise it to -1.
   */
  slot: number;
  /** Peer address as text, e.g. "127.0.0.1". */
  readonly remoteAddress: string;
  /** Peer port. */
  readonly remotePort: number;
  /**
   * Copies up to `length` received bytes into `into` at `offset` and returns
   * how many were copied (0 when nothing is pending). Never blocks.
   */
  read(into: Uint8Array, offset: number, length: number): number;
  /**
   * Queues up to `length` bytes from `from` at `offset` for sending and
   * returns how many were accepted (possibly fewer, possibly 0 when the send
   * buffer is full). The bytes are copied before it returns, so the caller
   * may reuse its buffer at once. When fewer were accepted, the platform
   * calls `writable` once space frees up.
   */
  write(from: Uint8Array, offset: number, length: number): number;
  /**
   * Optional, for an engine whose strings are bytes (Espruino): queues all
   * of `text`, each char a byte, and returns true; or queues nothing and
   * returns false when the send buffer has no room for all of it. A small
   * answer then goes out as one string, with no copy into the output area.
   */
  writeText?(text: string): boolean;
  /** Free space in the send buffer, in bytes. */
  writable(): number;
  /**
   * Closes the connection after queued bytes are sent. No callback for this
   * socket fires after close(). `linger`: the last answer said
   * `Connection: close` and the client may still be sending (a 503 or 4xx
   * given before the request was read to its end): keep reading and
   * discarding until the client closes, for a bounded time, because closing
   * with unread input makes the TCP stack reset the connection and the
   * client loses the answer. A platform that half-closes (sends FIN, then
   * drains) may always linger.
   */
  close(linger?: boolean): void;
}

/** Callbacks a listening server receives. `this` is not used. */
export interface SocketHandler {
  /** A new connection. The server sets `socket.slot` or closes it. */
  accept(socket: Socket): void;
  /** `count` bytes are waiting to be read. */
  readable(socket: Socket, count: number): void;
  /** `space` bytes are free in the send buffer after it was full. */
  writable(socket: Socket, space: number): void;
  /** The peer closed or reset the connection; the socket is gone. */
  closed(socket: Socket): void;
}

/** Where to listen. */
export interface ListenOptions {
  /** TCP port; 0 lets the platform pick one (hosts only). */
  port: number;
  /** Interface address; platforms pick a sensible default when omitted. */
  host?: string;
}

/** A listening endpoint. */
export interface Listener {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops accepting; existing sockets are unaffected. */
  close(): void;
}

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Memory figures the platform can give; all in bytes. */
export interface MemoryStats {
  /** Bytes of heap in use (XS slot + chunk heap on the board, V8 heap in the simulator). */
  used: number;
  /** Bytes of heap available in total, or 0 when unknown. */
  total: number;
}

/**
 * Optional native text conversion, for an engine whose strings are byte
 * strings with native copies between strings and bytes (Espruino). The
 * core's text functions (src/http/text.ts) ask it first and fall back to
 * their own code when it answers -1. One per engine, chosen by the build
 * (src/http/engine-codec.ts).
 */
export interface TextCodec {
  /**
   * Bytes `s` takes from char `from` when each char is one byte, or -1 when
   * that is not so (the core then measures UTF-8 itself).
   */
  byteLength(s: string, from: number): number;
  /**
   * Copies the chars of `s` from `from` into out[pos..limit) one byte each
   * and returns how many it copied, or -1 when the chars are not single
   * bytes (the core then encodes UTF-8 itself).
   */
  encode(s: string, from: number, out: Uint8Array, pos: number, limit: number): number;
  /** bytes[start..end) as a string: UTF-8 when `utf8`, else one char per byte. */
  decode(bytes: Uint8Array, start: number, end: number, utf8: boolean): string;
}

/**
 * Where an over-the-air firmware image goes (docs/ota.md): the ESP32's next
 * OTA partition on the board (firmware/moddable/ota.ts), a file in the
 * simulator (host-sim/ota-file.ts). src/ota/session.ts drives it and checks
 * the image's SHA-256 before complete().
 *
 * The contract every target keeps: nothing a target does before complete()
 * changes what boots. A failed, cancelled or interrupted upload (even a
 * power loss) leaves the running image the boot image; complete() switches
 * the boot image in one step, and restart() boots it.
 */
export interface OtaTarget {
  /** Largest image accepted, in bytes (the update partition's size). */
  readonly capacity: number;
  /**
   * Starts receiving an image of `size` bytes (-1 when unknown); forgets any
   * image begun before. Throws when it cannot (no update partition, too big).
   */
  begin(size: number): void;
  /** Stores the next bytes[start..end) of the image (copied before it returns); throws when it cannot. */
  write(bytes: Uint8Array, start: number, end: number): void;
  /**
   * Finishes the image and makes it the one that boots next; throws, with
   * nothing changed, when the target rejects the image. Does not restart.
   */
  complete(): void;
  /** Abandons the image being received; harmless when none is. */
  cancel(): void;
  /** Restarts the device (into the image complete() selected). */
  restart(): void;
}

/** The host interface (docs/architecture.md, "The Platform interface"). */
export interface Platform {
  /** Short name of the host, e.g. "moddable", "node", "memory". */
  readonly name: string;
  /**
   * Starts listening. Rejects with an Error whose `code` is "EADDRINUSE"
   * when the port is taken, "EACCES" when not permitted.
   */
  listen(options: ListenOptions, handler: SocketHandler): Promise<Listener>;
  /** Monotonic clock in milliseconds. */
  now(): number;
  /** Calls `callback` after `ms` milliseconds, and every `ms` after when `repeat`. */
  setTimer(callback: () => void, ms: number, repeat: boolean): TimerHandle;
  /** Cancels a timer; harmless when it already fired. */
  clearTimer(handle: TimerHandle): void;
  /**
   * A read-only asset (flash resource on the board, file in the simulator),
   * or undefined when there is none. The bytes must not be modified.
   */
  asset(name: string): Uint8Array | undefined;
  /** Reads a small persistent value, or undefined. */
  storeGet(key: string): string | undefined;
  /** Writes a small persistent value (survives a restart). */
  storeSet(key: string, value: string): void;
  /** Deletes a persistent value. */
  storeDelete(key: string): void;
  /** Current memory use. */
  memory(): MemoryStats;
  /** Writes one line to the host's log. */
  log(message: string): void;
  /**
   * Optional: makes the pool's memory, once, at start. The returned buffer
   * has at least `bytes` bytes and the pool uses the first `bytes`; a
   * platform may keep its own transfer staging area after them, so moving
   * bytes between the pool and its sockets is a copy within one buffer
   * (no view per transfer). Without it the pool makes its own ArrayBuffer.
   */
  allocate?(bytes: number): ArrayBuffer;
  /**
   * Optional: where over-the-air updates go (docs/ota.md). Absent where the
   * board cannot update itself (the Pico W in Moddable SDK 8.2.3): the
   * update route then answers 501.
   */
  readonly ota?: OtaTarget;
}
