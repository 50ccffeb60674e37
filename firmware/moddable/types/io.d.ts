/**
 * Type declarations for the ECMA-419 IO modules chipweb uses on the board,
 * written from the Moddable SDK's documentation/io/io.md and checked against
 * modules/io/socket/lwip/{tcp.c,tcp.js,listener.js} and
 * modules/io/digital/digital.js (SDK 8.2.3).
 *
 * Never: declare anything the SDK does not implement; these types are the
 * contract the Moddable Platform is written against.
 */

declare module 'embedded:io/socket/tcp' {
  /** Options of `new TCP(...)`. Callbacks run with `this` = the TCP instance. */
  export interface TCPOptions {
    /** Remote IPv4 address (dotted string); not used with `from`. */
    address?: string;
    /** Remote port; not used with `from`. */
    port?: number;
    /** Disables Nagle's algorithm when true (TCP_NODELAY). */
    nodelay?: boolean;
    /**
     * A socket returned by `Listener.read()`: its native connection moves to
     * the new instance and the old one is closed.
     */
    from?: TCP;
    /** "buffer" (default) or "number". */
    format?: 'buffer' | 'number';
    /** Stored as `this.target`, so shared callbacks can find their owner. */
    target?: unknown;
    /** `bytes` are available to read (the total, not the increment). */
    onReadable?: (this: TCP, bytes: number) => void;
    /** `bytes` may be written without overflowing the send buffer. */
    onWritable?: (this: TCP, bytes: number) => void;
    /**
     * The connection failed or the peer closed it (also a clean close). Only
     * delivered once every received byte has been read. The socket is unusable.
     */
    onError?: (this: TCP) => void;
  }

  /** An ECMA-419 TCP socket (lwIP callback API on ESP32 and Pico W). */
  export default class TCP {
    constructor(options: TCPOptions);
    /** What `target` was set to in the options. */
    readonly target: unknown;
    /**
     * Without an argument: a new ArrayBuffer with everything available
     * (allocates). With a buffer or byte view: fills it completely and returns
     * its byteLength; throws "invalid" when it is longer than what is
     * available. With a number: a new ArrayBuffer of that many bytes. Returns
     * undefined when nothing at all is available.
     */
    read(): ArrayBuffer | undefined;
    read(into: ArrayBuffer | Uint8Array | Int8Array | DataView): number | undefined;
    read(count: number): ArrayBuffer | undefined;
    /**
     * Queues the whole buffer (copied at once) and returns the free send
     * space left. Throws "would block" when it is larger than the free space
     * and "not ready" before connect / after an error was delivered. Returns
     * undefined, sending nothing, once the connection has failed.
     */
    write(data: ArrayBuffer | ArrayBufferView): number | undefined;
    /** Closes gracefully (queued bytes are still sent); no callbacks afterwards. */
    close(): void;
    readonly remoteAddress: string;
    readonly remotePort: number;
    format: 'buffer' | 'number';
  }
}

declare module 'embedded:io/socket/listener' {
  import type TCP from 'embedded:io/socket/tcp';

  /** Options of `new Listener(...)`. */
  export interface ListenerOptions {
    /** Port to listen on. */
    port?: number;
    /** Documented as an interface address; the lwIP listener ignores it. */
    address?: string;
    /** Stored as `this.target`. */
    target?: unknown;
    /** `requests` connections are pending (the total); take each with read(). */
    onReadable?: (this: Listener, requests: number) => void;
  }

  /** An ECMA-419 TCP listener. Throws "socket bind" when the port is taken. */
  export default class Listener {
    constructor(options: ListenerOptions);
    readonly target: unknown;
    /**
     * The next pending connection as a TCP instance with no callbacks (pass
     * it as `from` to `new TCP`), or undefined when none is pending.
     */
    read(): TCP | undefined;
    close(): void;
    readonly port: number;
    format: 'socket/tcp';
  }
}

declare module 'embedded:io/digital' {
  /** Options of `new Digital(...)`. */
  export interface DigitalOptions {
    /** GPIO number (on Pico W, 32 is the CYW43 "WL_GPIO0" LED pin). */
    pin: number | { pin: number; port?: string };
    /** One of the Digital mode constants. */
    mode: number;
    /** Digital.Rising / Digital.Falling for onReadable. */
    edge?: number;
    /** Inverts read/write. */
    activeLow?: boolean;
    /** Output level set when the pin is configured. */
    initialValue?: number;
    onReadable?: (this: Digital) => void;
  }

  /** An ECMA-419 digital pin (a one-pin DigitalBank). */
  export default class Digital {
    constructor(options: DigitalOptions);
    /** 0 or 1 (inputs only). */
    read(): number;
    /** 0 or 1 (outputs only). */
    write(value: number): void;
    close(): void;
    static readonly Input: number;
    static readonly InputPullUp: number;
    static readonly InputPullDown: number;
    static readonly InputPullUpDown: number;
    static readonly Output: number;
    static readonly OutputOpenDrain: number;
    static readonly Rising: number;
    static readonly Falling: number;
  }
}

declare module 'embedded:io/socket/udp' {
  /** Options of `new UDP(...)` (modules/io/socket/lwip/udp.c). */
  export interface UDPOptions {
    /** Local port to bind on every interface (0 or absent: any). */
    port?: number;
    /** `count` datagrams are waiting; take each with read(). */
    onReadable?: (this: UDP, count: number) => void;
    onError?: (this: UDP) => void;
  }
  /** One received datagram: its bytes, with the sender's address and port as properties. */
  export type UDPPacket = ArrayBuffer & { readonly address: string; readonly port: number };
  /** An ECMA-419 UDP socket. Throws "bind failed" when the port is taken. */
  export default class UDP {
    constructor(options: UDPOptions);
    /** The next datagram as a new ArrayBuffer, or undefined when none is waiting. */
    read(): UDPPacket | undefined;
    /** Sends `data` (an ArrayBuffer or a Uint8Array, whole) to address:port; throws "UDP send failed". */
    write(data: ArrayBuffer | Uint8Array, address: string, port: number): void;
    close(): void;
    format: 'buffer';
  }
}
