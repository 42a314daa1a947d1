// One system's figures for one workload, from the client process's report
// and the server samples run.mjs took at the window's start and end.

/**
 * `raw`: clients.mjs's result plus `serverCpuMicros` and `serverRss` (MiB).
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
    clientRss: raw.rss / 2 ** 20,
    converged: raw.converged,
    total: raw.total,
    convergeMs: raw.convergeMs,
    joinMs: raw.joinMs,
  };
}
