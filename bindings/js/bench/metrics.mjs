// One system's figures for one workload, from the client process's report
// and the server samples run.mjs took at the window's start and end.

/**
 * `raw`: clients.mjs's result plus `serverCpuMicros`, `machineCpuMicros`
 * (every process's, same window) and `serverRss` (MiB).
 * Rates are over the measured window; "per delivered" divides by the
 * updates remote clients saw in it.
 */
export function metrics(raw) {
  if (raw.error) return { error: raw.error };
  const seconds = raw.windowMs / 1000;
  const perDelivered = (micros) => (raw.delivered > 0 ? micros / raw.delivered : null);
  return {
    p50: raw.latency.p50,
    p99: raw.latency.p99,
    // Rate workloads made their writes in measureMs of slots; a flood made
    // its writes while the (maybe late-woken) window was open.
    writesPerSec: raw.made / (raw.scheduled !== null ? raw.measureMs / 1000 : seconds),
    sendsMade: raw.scheduled ? raw.made / raw.scheduled : null,
    deliveredPerSec: raw.delivered / seconds,
    clientCpuPct: raw.cpuMicros / 1e4 / seconds,
    clientUsPerDelivered: perDelivered(raw.cpuMicros),
    serverCpuPct: raw.serverCpuMicros / 1e4 / seconds,
    serverUsPerDelivered: perDelivered(raw.serverCpuMicros),
    serverRss: raw.serverRss,
    // The machine is shared: what else ran during the window, in % of one core.
    othersCpuPct: (raw.machineCpuMicros - raw.serverCpuMicros - raw.cpuMicros) / 1e4 / seconds,
    clientRss: raw.rss / 2 ** 20,
    converged: raw.converged,
    total: raw.total,
    convergeMs: raw.convergeMs,
    joinMs: raw.joinMs,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Several runs of one system and workload as one: the median of each
 * figure, and the worst convergence. A failed run fails the whole.
 */
export function combine(runs) {
  const failed = runs.find((m) => m.error);
  if (failed) return failed;
  const out = {};
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((m) => m[key]).filter((v) => typeof v === "number");
    out[key] = values.length === runs.length ? median(values) : runs[0][key];
  }
  const worst = runs.reduce((a, b) => (b.converged / b.total < a.converged / a.total ? b : a));
  return { ...out, converged: worst.converged, total: worst.total, convergeMs: Math.max(...runs.map((m) => m.convergeMs)) };
}
