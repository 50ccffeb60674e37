/**
 * The server's counters as a dashboard, /metrics or a test reads them.
 *
 * Never: import the server (the Context hands these to handlers, and the
 * server imports the Context).
 */

/** Counters a dashboard or /metrics reads; updated in place, never reallocated. */
export interface ServerStats {
  /** Requests whose head was parsed. */
  requests: number;
  /** Responses by status class: index 1 = 1xx … 5 = 5xx. */
  responses: number[];
  /** Connections accepted. */
  connections: number;
  /** Connections answered 503 because every slot was busy (counted once the 503 was written). */
  rejected: number;
  /** Connections that waited in the queue for a slot (overflow 'queue'). */
  queued: number;
  /** Keep-alive responses turned into `Connection: close` because a connection was waiting (the pool-pressure veto). */
  pressureCloses: number;
  /** Idle keep-alive connections closed to make room. */
  evicted: number;
  /** 408s and idle/write timeouts. */
  timeouts: number;
  /** Handler errors (500s from throws and rejections). */
  errors: number;
  /** WebSockets open now (each holds a slot, counted in slotsInUse too). */
  webSockets: number;
  /** Slots in use now. */
  slotsInUse: number;
  /** Most slots in use at once since start. */
  slotsHighWater: number;
  /** Total slots. */
  slots: number;
  /** Bytes per slot (request + output). */
  slotBytes: number;
  /** Milliseconds since start. */
  uptime: number;
}
