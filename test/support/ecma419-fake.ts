/**
 * A fake of the Moddable modules the chipweb board code imports, faithful to
 * their semantics so the Moddable Platform can be tested on the real XS
 * engine (@agoric/xsnap) without a board. It runs inside XS: plain code, no
 * Node, no host globals.
 *
 * The sockets follow modules/io/socket/lwip/tcp.c (SDK 8.2.3) exactly:
 * - callbacks are never called from inside read()/write(); like lwIP's
 *   tcpTrigger/tcpDeliver, a trigger sets flags and posts one message per
 *   socket, and pump() delivers posted messages later, in order;
 * - on delivery: an error first clears ready (write() then throws "not
 *   ready"), then onReadable(total available), then onWritable(free send
 *   space) unless an error is pending; onError only once every received
 *   byte was read;
 * - read(view) fills the whole view and returns its length, throws "invalid"
 *   when the view is longer than what is available, returns undefined when
 *   nothing is; read() returns a new ArrayBuffer with everything;
 * - write(view) throws "not ready" before accept/after an error delivery,
 *   returns undefined when the connection failed, throws "would block" when
 *   the view is longer than the free send space, else queues a copy and
 *   returns the free space left;
 * - the peer's FIN removes the writable callback (lwIP's removeTCPCallbacks)
 *   and triggers the error; a reset does the same and kills the socket;
 * - close() is graceful (queued bytes still reach the peer), except that
 *   closing with unread received bytes resets the connection (lwIP's
 *   tcp_close with rcv_wnd not restored): the peer then loses whatever was
 *   still queued. The fake counts these resets.
 * - Listener: onReadable(pending count); read() returns a callback-less TCP
 *   to pass as `from`; a second listener on a port throws "socket bind".
 *
 * Timers and Time.ticks run on a virtual clock the test advances; Resource
 * returns the bytes the test installed; Preference enforces ESP32's 15-
 * character names; Instrumentation, Digital, WiFi, Net, MDNS and mc/config
 * are small recorders the test can inspect and drive.
 *
 * Never: call a callback synchronously from a method the code under test
 * called; be more lenient than the real module.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const READABLE = 1;
const WRITABLE = 2;
const ERROR = 4;
const OUTPUT = 8;

/** Counters the tests assert on. */
export interface FakeStats {
  /** write() calls that threw "would block". */
  wouldBlock: number;
  /** read() calls that threw "invalid". */
  invalidReads: number;
  /** write() calls that threw "not ready". */
  notReady: number;
  /** Connections the app closed with unread input (lwIP answers with RST). */
  resets: number;
  /** Successful read(view) and write(view) calls. */
  reads: number;
  writes: number;
  /** Largest single write accepted. */
  largestWrite: number;
  /** Most bytes written and not yet taken by the client on one socket (lwIP's unacknowledged bytes). */
  mostUnacknowledged: number;
  /** Callbacks delivered. */
  delivered: number;
}

interface TimerRecord {
  callback: (id: any) => void;
  at: number;
  every: number;
  live: boolean;
  seq: number;
}

/** The "lwIP" side of one connection. */
class NativeSocket {
  readonly id: number;
  obj: TCP | null = null;
  triggerable = 0;
  triggered = 0;
  ready = false;
  error = false;
  /** The pcb still exists (false after a reset). */
  skt = true;
  /** Received bytes not yet read by the app. */
  rx: Uint8Array;
  rxStart = 0;
  rxEnd = 0;
  /** Bytes the app wrote that the peer has not taken. */
  tx: Uint8Array;
  txLength = 0;
  /** Free send space (tcp_sndbuf). */
  sndbuf: number;
  /** The app closed the socket; `reset` when it had unread input. */
  closedByApp = false;
  reset = false;
  /** The peer sent FIN or was reset. */
  peerDone = false;
  /** Reset as lin's tcp.c sees it: the next write fails and onError never comes. */
  silent = false;
  remoteAddress: string;
  remotePort: number;

  constructor(id: number, sendBuffer: number) {
    this.id = id;
    this.rx = new Uint8Array(65536);
    this.tx = new Uint8Array(sendBuffer);
    this.sndbuf = sendBuffer;
    this.remoteAddress = '192.168.1.' + (10 + (id % 200));
    this.remotePort = 50000 + id;
  }

  get available(): number {
    return this.rxEnd - this.rxStart;
  }
}

interface ListenerRecord {
  obj: Listener;
  port: number;
  pending: NativeSocket[];
  triggered: boolean;
  onReadable: ((count: number) => void) | undefined;
}

/** Everything the fake modules share; tests drive it through `driver`. */
export const world = {
  now: 0,
  timerSeq: 0,
  timers: [] as TimerRecord[],
  /** Posted deliveries: a preallocated ring of sockets and listeners (posting allocates nothing). */
  queue: new Array<NativeSocket | ListenerRecord | null>(4096).fill(null),
  queueHead: 0,
  queueLength: 0,
  listeners: new Map<number, ListenerRecord>(),
  sockets: [] as NativeSocket[],
  sendBuffer: 8192,
  /** Every close resets, queued output lost, as the Pico's lwIP port does (false: the ESP32's). */
  closeResets: false,
  resources: new Map<string, Uint8Array>(),
  preferences: new Map<string, unknown>(),
  instruments: [0, 0, 0] as number[],
  pins: new Map<number, number>(),
  log: [] as string[],
  wifi: {
    mode: 1,
    connects: [] as { ssid?: string; password?: string }[],
    accessPoints: [] as { ssid: string; password?: string }[],
    monitors: [] as { callback?: (message: string) => void; closed: boolean }[],
  },
  net: { IP: '192.168.1.50', RSSI: -52, apIP: '192.168.4.1' } as { IP?: string; RSSI?: number; apIP?: string },
  udp: {
    /** Bound sockets by port. */
    sockets: new Map<number, UdpRecord>(),
    /** Datagrams the code sent: to whom, and the bytes as numbers. */
    sent: [] as { address: string; port: number; bytes: number[] }[],
  },
  /** What WiFi.scan reports (one callback per item, then null), and scans started. */
  scan: {
    items: [] as { ssid: string; rssi: number; channel: number; authentication: string }[],
    started: 0,
    active: null as ((item: unknown) => void) | null,
  },
  ota: {
    /** Size of the next OTA partition (0: none, and new OTA() throws). */
    partitionSize: 0x1f0000,
    /** Bytes written since the last begin. */
    staged: [] as number[],
    /** Length of each write() call. */
    writes: [] as number[],
    /** The image complete() made the boot image. */
    boot: null as number[] | null,
    begins: 0,
    cancels: 0,
    completes: 0,
    restarts: 0,
  },
  mdns: [] as {
    hostName: string;
    callback?: (message: number, value?: string) => unknown;
    services: unknown[];
    closed: boolean;
  }[],
  stats: {
    wouldBlock: 0,
    invalidReads: 0,
    notReady: 0,
    resets: 0,
    reads: 0,
    writes: 0,
    largestWrite: 0,
    mostUnacknowledged: 0,
    delivered: 0,
  } as FakeStats,
};

// Posting stores the target in a preallocated ring, so the fake adds no
// allocation to what the tests measure (XS would also allocate a closure's
// scope on every call of a function containing one, taken branch or not).
function post(target: NativeSocket | ListenerRecord): void {
  if (world.queueLength === world.queue.length) throw new Error('fake: message queue full');
  world.queue[(world.queueHead + world.queueLength) % world.queue.length] = target;
  world.queueLength++;
}

function deliver(target: NativeSocket | ListenerRecord | UdpRecord): void {
  if (target instanceof NativeSocket) tcpDeliver(target);
  else if (target instanceof UdpRecord) udpDeliver(target);
  else listenerDeliver(target);
}

/** A bound fake UDP socket: received datagrams wait in `packets` until read(). */
class UdpRecord {
  packets: ArrayBuffer[] = [];
  triggered = false;
  closed = false;
  constructor(
    readonly port: number,
    readonly obj: unknown,
    readonly onReadable: ((count: number) => void) | undefined,
  ) {}
}

function udpDeliver(record: UdpRecord): void {
  record.triggered = false;
  if (record.closed || !record.onReadable || record.packets.length === 0) return;
  world.stats.delivered++;
  record.onReadable.call(record.obj, record.packets.length);
}

/**
 * The fake `embedded:io/socket/udp` (modules/io/socket/lwip/udp.c): binds
 * its port ("bind failed" when taken); read() returns the next datagram as
 * a new ArrayBuffer carrying `address` and `port`, or undefined; write()
 * takes an ArrayBuffer or a 1-byte view and a dotted address ("invalid IP
 * address" otherwise); onReadable(count) is posted, never called from inside a method.
 */
export class UDP {
  private readonly record: UdpRecord;
  constructor(options: any) {
    const port = options?.port ?? 0;
    if (port < 0 || port > 65535) throw new RangeError('invalid port');
    const taken = world.udp.sockets.get(port);
    if (port !== 0 && taken && !taken.closed) throw new Error('bind failed');
    this.record = new UdpRecord(port, this, options?.onReadable);
    world.udp.sockets.set(port, this.record);
  }
  read(): ArrayBuffer | undefined {
    return this.record.packets.shift();
  }
  write(data: any, address: string, port: number): void {
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (data instanceof Uint8Array) bytes = data;
    else throw new TypeError('invalid buffer');
    if (typeof address !== 'string' || !/^\d+\.\d+\.\d+\.\d+$/.test(address))
      throw new RangeError('invalid IP address');
    world.udp.sent.push({ address, port, bytes: Array.from(bytes) });
  }
  close(): void {
    this.record.closed = true;
  }
  get format(): string {
    return 'buffer';
  }
}

function tcpTrigger(native: NativeSocket, flag: number): void {
  const was = native.triggered;
  native.triggered |= flag;
  if (!was) post(native);
}

function tcpDeliver(native: NativeSocket): void {
  let triggered = native.triggered;
  native.triggered = 0;
  if (triggered & ERROR) {
    triggered &= ~(OUTPUT | WRITABLE);
    native.error = true;
    native.ready = false;
  }
  const obj = native.obj;
  if (!obj) return;
  const callbacks = obj as any;
  if (triggered & native.triggerable & READABLE && native.available > 0) {
    world.stats.delivered++;
    callbacks.__onReadable.call(obj, native.available);
  }
  if (native.available > 0 && native.error) {
    // error delivered after the receive buffers are empty (tcp.c)
  } else if (!native.error) {
    if (triggered & native.triggerable & WRITABLE && (native.skt || native.silent)) {
      world.stats.delivered++;
      callbacks.__onWritable.call(obj, native.sndbuf);
    }
  } else if (native.triggerable & ERROR && native.obj) {
    world.stats.delivered++;
    callbacks.__onError.call(obj);
  }
}

function removeCallbacks(native: NativeSocket): void {
  native.triggerable &= ~WRITABLE;
}

/** Copies `length` bytes of any buffer-ish value into `to` at `at` (no views on typed arrays). */
function bytesOf(data: any): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('fake tcp: write needs an ArrayBuffer or a view');
}

/** The fake `embedded:io/socket/tcp`. */
export class TCP {
  /** @internal */ __native: NativeSocket | null = null;
  target: unknown;

  constructor(options?: any) {
    if (options === undefined) return; // the empty instance Listener.read() fills
    if (options.format !== undefined && options.format !== 'buffer') throw new RangeError('unimplemented');
    let triggerable = 0;
    const self = this as any;
    for (const [name, flag] of [
      ['onReadable', READABLE],
      ['onWritable', WRITABLE],
      ['onError', ERROR],
    ] as const) {
      const callback = options[name];
      if (callback === undefined || callback === null) continue;
      if (typeof callback !== 'function') throw new Error('not a function');
      self['__' + name] = callback;
      triggerable |= flag;
    }
    if (!('from' in options)) throw new Error('fake tcp: outgoing connections are not supported');
    const from = options.from as TCP;
    const native = from?.__native;
    if (!native?.skt) throw new Error('invalid from');
    if ('target' in options) this.target = options.target;
    from.__native = null;
    native.obj = this;
    native.triggerable = triggerable;
    this.__native = native;
    let triggered = native.triggered;
    native.triggered = 0;
    if (triggerable & WRITABLE && native.sndbuf) triggered |= WRITABLE;
    if (triggerable & READABLE && native.available) triggered |= READABLE;
    if (triggered) tcpTrigger(native, triggered);
  }

  read(into?: any): any {
    const native = this.__native;
    if (!native || native.available === 0) return undefined;
    const available = native.available;
    let requested: number;
    let out: Uint8Array;
    let allocate = true;
    if (into === undefined) requested = available;
    else if (typeof into === 'object') {
      out = bytesOf(into);
      requested = out.length;
      allocate = false;
    } else requested = into | 0;
    if (requested <= 0 || requested > available) {
      world.stats.invalidReads++;
      throw new Error('invalid');
    }
    if (allocate) out = new Uint8Array(requested);
    const rx = native.rx;
    const start = native.rxStart;
    for (let i = 0; i < requested; i++) out![i] = rx[start + i];
    native.rxStart += requested;
    if (native.rxStart === native.rxEnd) {
      native.rxStart = 0;
      native.rxEnd = 0;
      if (native.error) tcpTrigger(native, ERROR);
    }
    world.stats.reads++;
    return allocate ? out!.buffer : requested;
  }

  write(data: any): number | undefined {
    const native = this.__native;
    if (!native) throw new Error('fake tcp: write on a closed socket');
    if (!native.ready) {
      world.stats.notReady++;
      throw new Error('not ready');
    }
    if (native.error || !native.skt) return undefined;
    const bytes = bytesOf(data);
    if (native.silent) return undefined; // lin: "write failed", and no onError follows
    const needed = bytes.length;
    if (needed > native.sndbuf) {
      world.stats.wouldBlock++;
      throw new Error('would block');
    }
    const tx = native.tx;
    const at = native.txLength;
    for (let i = 0; i < needed; i++) tx[at + i] = bytes[i];
    native.txLength += needed;
    native.sndbuf -= needed;
    world.stats.writes++;
    if (needed > world.stats.largestWrite) world.stats.largestWrite = needed;
    if (native.txLength > world.stats.mostUnacknowledged) world.stats.mostUnacknowledged = native.txLength;
    tcpTrigger(native, OUTPUT);
    return native.sndbuf;
  }

  close(): void {
    const native = this.__native;
    if (!native) return;
    this.__native = null;
    native.ready = false;
    native.triggerable = 0;
    native.triggered = 0;
    native.obj = null;
    native.closedByApp = true;
    if (native.skt && (native.available > 0 || world.closeResets)) {
      // tcp_close with unread data: lwIP sends RST; queued output is lost. On the Pico every close resets
      // (modLwipSafe.h: tcp_close, then tcp_abort).
      native.reset = true;
      native.txLength = 0;
      world.stats.resets++;
    }
  }

  get remoteAddress(): string {
    return this.__native ? this.__native.remoteAddress : '';
  }

  get remotePort(): number {
    return this.__native ? this.__native.remotePort : 0;
  }

  get format(): string {
    return 'buffer';
  }
}

/** The fake `embedded:io/socket/listener`. */
export class Listener {
  private readonly record: ListenerRecord;
  target: unknown;

  constructor(options: any) {
    let port = 0;
    if (options && 'port' in options) {
      port = options.port | 0;
      if (port < 0 || port > 65535) throw new RangeError('invalid port');
    }
    if (world.listeners.has(port)) throw new Error('socket bind');
    const onReadable = options?.onReadable;
    if (onReadable !== undefined && typeof onReadable !== 'function') throw new Error('not a function');
    if (options && 'target' in options) this.target = options.target;
    this.record = { obj: this, port, pending: [], triggered: false, onReadable };
    world.listeners.set(port, this.record);
  }

  read(): TCP | undefined {
    const native = this.record.pending.shift();
    if (!native) return undefined;
    const tcp = new TCP();
    tcp.__native = native;
    native.obj = tcp;
    native.ready = true;
    return tcp;
  }

  close(): void {
    if (world.listeners.get(this.record.port) === this.record) world.listeners.delete(this.record.port);
    for (const native of this.record.pending) native.closedByApp = true;
    this.record.pending.length = 0;
  }

  get port(): number {
    return this.record.port;
  }
}

function listenerTrigger(record: ListenerRecord): void {
  if (record.triggered || !record.onReadable) return;
  record.triggered = true;
  post(record);
}

function listenerDeliver(record: ListenerRecord): void {
  record.triggered = false;
  if (record.pending.length && record.onReadable && world.listeners.get(record.port) === record) {
    world.stats.delivered++;
    record.onReadable.call(record.obj, record.pending.length);
  }
}

/** The fake `timer`. */
export class Timer {
  static set(callback: (id: any) => void, delay = 0, repeat = 0): TimerRecord {
    const timer: TimerRecord = {
      callback,
      at: world.now + (delay | 0),
      every: repeat | 0,
      live: true,
      seq: world.timerSeq++,
    };
    world.timers.push(timer);
    return timer;
  }
  static repeat(callback: (id: any) => void, interval: number): TimerRecord {
    return Timer.set(callback, interval, interval);
  }
  static schedule(id: TimerRecord, delay?: number, repeat = 0): void {
    if (delay === undefined) {
      // modTimer.c: the id alone unschedules (the timer sleeps until rescheduled).
      const i = world.timers.indexOf(id);
      if (i >= 0) world.timers.splice(i, 1);
      return;
    }
    id.at = world.now + delay;
    id.every = repeat;
    id.live = true;
    if (world.timers.indexOf(id) < 0) world.timers.push(id);
  }
  static clear(id: TimerRecord | undefined): void {
    if (!id || typeof id !== 'object') return;
    id.live = false;
    const i = world.timers.indexOf(id);
    if (i >= 0) world.timers.splice(i, 1);
  }
  static delay(): void {
    throw new Error('fake timer: Timer.delay blocks the board; chipweb must not call it');
  }
}

/** The fake `time`. */
export class Time {
  /** As on a board: the millisecond counter as a signed 32-bit number (it wraps after 24.9 days). */
  static get ticks(): number {
    return world.now | 0;
  }
  static delta(start: number, end = world.now): number {
    return end - start;
  }
}

/** The fake `Resource`: `new Resource(name)` gives the installed bytes' ArrayBuffer. */
export function Resource(this: unknown, path: string): ArrayBuffer {
  const bytes = world.resources.get(path);
  if (!bytes) throw new Error(`Resource "${path}" not found`);
  return bytes.buffer as ArrayBuffer;
}
Resource.exists = (path: string): boolean => world.resources.has(path);

/** The fake `preference` (ESP32 NVS limits: names up to 15 characters). */
export class Preference {
  private static check(domain: string, key: string): string {
    if (
      typeof domain !== 'string' ||
      typeof key !== 'string' ||
      !domain ||
      !key ||
      domain.length > 15 ||
      key.length > 15
    ) {
      throw new Error('invalid preference name');
    }
    return domain + '\u0000' + key;
  }
  static get(domain: string, key: string): unknown {
    return world.preferences.get(Preference.check(domain, key));
  }
  static set(domain: string, key: string, value: unknown): void {
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean' && !(value instanceof ArrayBuffer))
      throw new Error('invalid preference value');
    if (t === 'string' && (value as string).length > 4000) throw new Error('preference value too long');
    world.preferences.set(Preference.check(domain, key), value);
  }
  static delete(domain: string, key: string): void {
    world.preferences.delete(Preference.check(domain, key));
  }
  static keys(domain: string): string[] {
    const out: string[] = [];
    for (const k of world.preferences.keys()) if (k.startsWith(domain + '\u0000')) out.push(k.slice(domain.length + 1));
    return out;
  }
}

const INSTRUMENTS = ['', 'XS Slot Heap Used', 'XS Chunk Heap Used'];

/** The fake `instrumentation` (an instrumented build: the two heap counters exist). */
export class Instrumentation {
  static map(name: string): number | undefined {
    const i = INSTRUMENTS.indexOf(name);
    return i > 0 ? i : undefined;
  }
  static get(index: number): number | undefined {
    return index > 0 && index < INSTRUMENTS.length ? world.instruments[index] : undefined;
  }
  static name(index: number): string | undefined {
    return INSTRUMENTS[index] || undefined;
  }
}

/** The fake `embedded:io/digital`. */
export class Digital {
  static Input = 0;
  static InputPullUp = 1;
  static InputPullDown = 2;
  static InputPullUpDown = 3;
  static Output = 8;
  static OutputOpenDrain = 9;
  static Rising = 1;
  static Falling = 2;
  private readonly pin: number;
  private readonly mode: number;
  constructor(options: any) {
    if (!options || options.pin === undefined) throw new Error('invalid');
    if (options.pin < 0 || options.pin > 48) throw new RangeError('invalid pin');
    this.pin = options.pin;
    this.mode = options.mode;
    world.pins.set(this.pin, 0);
  }
  write(value: number): void {
    if (this.mode !== Digital.Output && this.mode !== Digital.OutputOpenDrain)
      throw new Error('fake digital: write on an input');
    world.pins.set(this.pin, Number(value) ? 1 : 0);
  }
  read(): number {
    return world.pins.get(this.pin) ?? 0;
  }
  close(): void {}
}

/** The fake legacy `wifi` module: records what the code asks; the test emits the events. */
export class WiFi {
  static Mode = Object.freeze({ none: 0, station: 1, accessPoint: 2 });
  static gotIP = 'gotIP';
  static lostIP = 'lostIP';
  static connected = 'connect';
  static disconnected = 'disconnect';
  private readonly monitor: { callback?: (message: string) => void; closed: boolean };
  constructor(dictionary: any, callback?: (message: string) => void) {
    this.monitor = { callback, closed: false };
    world.wifi.monitors.push(this.monitor);
    if (dictionary) WiFi.connect(dictionary);
  }
  close(): void {
    this.monitor.closed = true;
  }
  static get mode(): number {
    return world.wifi.mode;
  }
  static set mode(value: number) {
    world.wifi.mode = value;
  }
  static connect(dictionary?: any): void {
    if (!dictionary) return;
    if (!dictionary.ssid) throw new Error('ssid required');
    world.wifi.mode = 1;
    world.wifi.connects.push({ ssid: dictionary.ssid, password: dictionary.password });
  }
  static disconnect(): void {}
  static scan(options: any, callback: (item: unknown) => void): void {
    if (world.scan.active) throw new Error('already scanning');
    if (!options || typeof callback !== 'function') throw new Error('invalid');
    world.scan.started++;
    world.scan.active = callback; // the driver finishes it (scanDone), as the radio does after ~2 s
  }
  static accessPoint(dictionary: any): void {
    if (!dictionary?.ssid) throw new Error('ssid required');
    world.wifi.mode = 2;
    world.wifi.accessPoints.push({ ssid: dictionary.ssid, password: dictionary.password });
  }
}

/** The fake `net`. */
export class Net {
  static get(property: string, iface?: string): unknown {
    if (property === 'IP') return iface === 'ap' ? world.net.apIP : world.net.IP;
    if (property === 'RSSI') return world.net.RSSI;
    return undefined;
  }
}

/** The fake `mdns`. */
export class MDNS {
  private readonly record: {
    hostName: string;
    callback?: (message: number, value?: string) => unknown;
    services: unknown[];
    closed: boolean;
  };
  constructor(options: any, callback?: (message: number, value?: string) => unknown) {
    this.record = { hostName: options?.hostName, callback, services: [], closed: false };
    world.mdns.push(this.record);
  }
  add(service: unknown): void {
    this.record.services.push(service);
  }
  update(): void {}
  remove(): void {}
  close(): void {
    this.record.closed = true;
  }
}

/**
 * The fake ESP32 `ota` module (build/devices/esp32/modules/ota/ota.c):
 * new OTA() begins (throws "no update parition" without one); write() takes
 * an ArrayBuffer or a 1-byte view (any other value is a TypeError "invalid
 * buffer") and throws "write failed" once cancelled or completed;
 * complete() throws "bad state" after cancel; cancel() is harmless twice.
 */
export class OTA {
  private open = true;
  constructor() {
    if (world.ota.partitionSize === 0) throw new Error('no update parition');
    world.ota.staged = [];
    world.ota.writes = [];
    world.ota.begins++;
  }
  write(data: any): void {
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (data instanceof Uint8Array) bytes = data;
    else throw new TypeError('invalid buffer');
    if (!this.open) throw new Error('write failed');
    if (world.ota.staged.length + bytes.length > world.ota.partitionSize) throw new Error('write failed');
    world.ota.writes.push(bytes.length);
    for (let i = 0; i < bytes.length; i++) world.ota.staged.push(bytes[i]);
  }
  cancel(): void {
    if (!this.open) return;
    this.open = false;
    world.ota.cancels++;
  }
  complete(): void {
    if (!this.open) throw new Error('bad state');
    this.open = false;
    world.ota.boot = world.ota.staged.slice();
    world.ota.completes++;
  }
}

/** The fake `system` module: importing it defines the global `System` (modules/io/system). */
export const System = {
  restart(): void {
    world.ota.restarts++;
  },
};
(globalThis as any).System = System;

/** The fake `mc/config`: the test sets its properties before starting. */
export const config: Record<string, unknown> = {};

/** The peer side: what the tests do to the fake network, clock and radio. */
export const driver = {
  /** A client connects to `port`; returns its id, or -1 when nothing listens. */
  connect(port: number): number {
    const record = world.listeners.get(port);
    if (!record) return -1;
    const native = new NativeSocket(world.sockets.length, world.sendBuffer);
    world.sockets.push(native);
    record.pending.push(native);
    listenerTrigger(record);
    return native.id;
  },
  /** The client sends bytes (latin1 text); false when the connection is gone. */
  send(id: number, text: string): boolean {
    const native = world.sockets[id];
    if (!native || native.closedByApp || native.peerDone || !native.skt) return false;
    if (native.rxStart > 0 && native.rxEnd + text.length > native.rx.length) {
      native.rx.copyWithin(0, native.rxStart, native.rxEnd);
      native.rxEnd -= native.rxStart;
      native.rxStart = 0;
    }
    const length = text.length; // once: XS measures a string by walking it
    if (native.rxEnd + length > native.rx.length) throw new Error('fake tcp: receive window full');
    // In slices: XS finds char i by walking from the start, so charCodeAt(i) over a long string is quadratic.
    for (let base = 0; base < length; base += 64) {
      const piece = text.slice(base, base + 64);
      const n = piece.length;
      for (let i = 0; i < n; i++) native.rx[native.rxEnd++] = piece.charCodeAt(i) & 0xff;
    }
    if (native.triggerable & READABLE) tcpTrigger(native, READABLE);
    return true;
  },
  /** The client sends bytes; false when the connection is gone (throws when the receive window is full). */
  sendWindow(id: number, bytes: Uint8Array): boolean {
    const native = world.sockets[id];
    if (!native || native.closedByApp || native.peerDone || !native.skt) return false;
    if (native.rxStart > 0 && native.rxEnd + bytes.length > native.rx.length) {
      native.rx.copyWithin(0, native.rxStart, native.rxEnd);
      native.rxEnd -= native.rxStart;
      native.rxStart = 0;
    }
    if (native.rxEnd + bytes.length > native.rx.length) throw new Error('fake tcp: receive window full');
    native.rx.set(bytes, native.rxEnd);
    native.rxEnd += bytes.length;
    if (native.triggerable & READABLE) tcpTrigger(native, READABLE);
    return true;
  },
  /** The client reads (and ACKs) up to `max` bytes of what the server sent, as latin1 text. */
  take(id: number, max = 1 << 30): string {
    const native = world.sockets[id];
    if (!native) return '';
    const n = native.txLength < max ? native.txLength : max;
    let text = '';
    for (let i = 0; i < n; i++) text += String.fromCharCode(native.tx[i]);
    native.tx.copyWithin(0, n, native.txLength);
    native.txLength -= n;
    native.sndbuf += n;
    if (n > 0 && native.obj && native.triggerable & WRITABLE) tcpTrigger(native, WRITABLE); // tcpSent
    return text;
  },
  /** The client half-closes (FIN). */
  fin(id: number): void {
    const native = world.sockets[id];
    if (!native || native.peerDone) return;
    native.peerDone = true;
    removeCallbacks(native);
    tcpTrigger(native, ERROR);
  },
  /** The connection is reset (RST from the client). */
  reset(id: number): void {
    const native = world.sockets[id];
    if (!native || native.peerDone) return;
    native.peerDone = true;
    removeCallbacks(native);
    native.skt = false;
    native.txLength = 0;
    if (native.triggerable & ERROR) tcpTrigger(native, ERROR);
  },
  /**
   * A reset as Moddable's lin socket (modules/io/socket/lin/tcp.c) sees it
   * while the app waits to write: its poll still reports send space, the
   * write then fails (returns undefined) and onError is never called.
   */
  linReset(id: number): void {
    const native = world.sockets[id];
    if (!native || native.peerDone) return;
    native.peerDone = true;
    native.silent = true;
    native.txLength = 0;
    native.sndbuf = native.tx.length;
    if (native.triggerable & WRITABLE) tcpTrigger(native, WRITABLE);
  },
  /** State of a connection as the client sees it. */
  state(id: number): { closed: boolean; reset: boolean; pending: number; unread: number } {
    const native = world.sockets[id];
    return { closed: native.closedByApp, reset: native.reset, pending: native.txLength, unread: native.available };
  },
  /** A client at address:fromPort sends a datagram (bytes as numbers) to UDP `port`; false when nothing is bound there. */
  udpSend(port: number, bytes: number[], address: string, fromPort: number): boolean {
    const record = world.udp.sockets.get(port);
    if (!record || record.closed) return false;
    const packet = new Uint8Array(bytes).buffer as ArrayBuffer & { address?: string; port?: number };
    packet.address = address;
    packet.port = fromPort;
    record.packets.push(packet);
    if (!record.triggered) {
      record.triggered = true;
      post(record as unknown as NativeSocket);
    }
    return true;
  },
  /** The running scan reports world.scan.items, then null. */
  scanDone(): boolean {
    const callback = world.scan.active;
    if (!callback) return false;
    world.scan.active = null;
    for (const item of world.scan.items) callback({ ...item, bssid: new ArrayBuffer(6) });
    callback(null);
    return true;
  },
  /** Delivers the messages posted so far (one turn of the runtime's loop); returns how many. */
  pump(): number {
    const count = world.queueLength;
    for (let i = 0; i < count; i++) {
      const target = world.queue[world.queueHead] as NativeSocket | ListenerRecord;
      world.queue[world.queueHead] = null;
      world.queueHead = (world.queueHead + 1) % world.queue.length;
      world.queueLength--;
      deliver(target);
    }
    return count;
  },
  /** Messages still waiting. */
  pending(): number {
    return world.queueLength;
  },
  /** The client sends bytes from a buffer (allocates nothing; for allocation measurements). */
  sendBytes(id: number, bytes: Uint8Array, length: number): boolean {
    const native = world.sockets[id];
    if (!native || native.closedByApp || native.peerDone || !native.skt) return false;
    if (native.rxEnd + length > native.rx.length) {
      native.rx.copyWithin(0, native.rxStart, native.rxEnd);
      native.rxEnd -= native.rxStart;
      native.rxStart = 0;
    }
    for (let i = 0; i < length; i++) native.rx[native.rxEnd++] = bytes[i];
    if (native.triggerable & READABLE) tcpTrigger(native, READABLE);
    return true;
  },
  /** The client takes and ACKs everything sent so far without looking at it; returns how many bytes. */
  discard(id: number): number {
    const native = world.sockets[id];
    const n = native.txLength;
    native.txLength = 0;
    native.sndbuf += n;
    if (n > 0 && native.obj && native.triggerable & WRITABLE) tcpTrigger(native, WRITABLE);
    return n;
  },
  /** Moves the virtual clock `ms` forward, firing due timers in order (messages are delivered between timers). */
  advance(ms: number): number {
    const end = world.now + ms;
    let fired = 0;
    for (;;) {
      let next: TimerRecord | undefined;
      for (const t of world.timers)
        if (t.live && t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      world.now = next.at;
      if (next.every > 0) next.at += next.every;
      else Timer.clear(next);
      fired++;
      next.callback(next);
      driver.pump();
    }
    world.now = end;
    return fired;
  },
  /** A Wi-Fi event for every open monitor ("gotIP", "disconnect", …). */
  wifiEvent(message: string): void {
    for (const m of world.wifi.monitors.slice()) if (!m.closed && m.callback) m.callback(message);
  },
  /** mDNS reports the claimed name to every open instance. */
  mdnsClaimed(): void {
    for (const m of world.mdns) if (!m.closed && m.callback) m.callback(1, m.hostName);
  },
};
