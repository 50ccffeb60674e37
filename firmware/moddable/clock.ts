/**
 * Milliseconds that only go forward, from the board's tick counter. Moddable's
 * `Time.ticks` is the millisecond counter as a signed 32-bit number: after
 * 24.9 days it jumps from 2^31 - 1 to -2^31 (modules/base/time), and every
 * deadline set before the jump would lie 49.7 days ahead (timeouts stop,
 * slots leak). This sums the ticks' 32-bit differences into a double, which
 * stays exact for 285,000 years.
 *
 * Never: read Time.ticks for a deadline anywhere else on the board.
 */
import Time from 'time';

/** A monotonic millisecond clock; now() must run at least every 24 days (the server's timer does). */
export class MonotonicClock {
  private last = Time.ticks;
  private elapsed = 0;

  /** Milliseconds since this clock was made. */
  now(): number {
    const ticks = Time.ticks;
    // The wrapped difference: right across the jump, as long as calls are less than 2^31 ms apart.
    this.elapsed += (ticks - this.last) | 0;
    this.last = ticks;
    return this.elapsed;
  }
}
