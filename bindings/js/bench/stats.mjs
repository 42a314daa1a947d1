// Latency samples: an append-only buffer of milliseconds and its quantiles.

/** Collects latency samples (ms) without allocating per sample. */
export class Samples {
  constructor() {
    this.values = new Float64Array(1 << 16);
    this.length = 0;
  }

  /** Adds one sample. */
  push(ms) {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = ms;
  }

  /** The p50 and p99 of what was pushed, or nulls when nothing was. */
  quantiles() {
    if (this.length === 0) return { p50: null, p99: null, max: null };
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
  }
}
