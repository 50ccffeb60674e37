/**
 * A trend plot for the dashboard: the last few minutes of one figure (heap
 * in use, slots in use, requests per second) as an inline SVG line with its
 * current value and its peak, redrawn on every status update.
 *
 * Never: use a chart library (every byte ships gzipped from flash); keep
 * more than `capacity` samples.
 */

const NS = 'http://www.w3.org/2000/svg';
/** Drawing size in SVG units; the SVG scales to its box. */
const W = 180;
const H = 40;

/** One rolling series and its plot. */
export class Trend {
  private readonly values: number[] = [];
  private readonly line: SVGPolylineElement;
  private readonly now: HTMLElement;
  private readonly peak: HTMLElement;

  /**
   * Draws into the element `id` (a figure holding an svg, a `.now` and a
   * `.peak`), keeping `capacity` samples, with `format` for the labels.
   */
  constructor(
    id: string,
    private readonly capacity: number,
    private readonly format: (n: number) => string,
  ) {
    const box = document.getElementById(id) as HTMLElement;
    const svg = box.querySelector('svg') as SVGSVGElement;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    this.line = document.createElementNS(NS, 'polyline');
    svg.appendChild(this.line);
    this.now = box.querySelector('.now') as HTMLElement;
    this.peak = box.querySelector('.peak') as HTMLElement;
  }

  /** Adds the newest sample and redraws. */
  push(value: number): void {
    const v = this.values;
    v.push(value);
    if (v.length > this.capacity) v.shift();
    let max = 0;
    for (const x of v) if (x > max) max = x;
    const scale = max > 0 ? (H - 2) / max : 0;
    const step = W / (this.capacity - 1);
    const x0 = W - (v.length - 1) * step;
    let points = '';
    for (let i = 0; i < v.length; i++)
      points += (x0 + i * step).toFixed(1) + ',' + (H - 1 - v[i] * scale).toFixed(1) + ' ';
    this.line.setAttribute('points', points);
    this.now.textContent = this.format(value);
    this.peak.textContent = 'peak ' + this.format(max);
  }

  /** How many samples it holds (tests read it from the points). */
  get size(): number {
    return this.values.length;
  }
}
