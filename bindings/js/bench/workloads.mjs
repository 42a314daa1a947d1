// The four workloads of issue 14, full and --quick. Each runs once per
// system with every client in one child process (clients.mjs).

/** The workloads to run; `quick` shortens windows and shrinks the 800. */
export function workloads({ quick }) {
  const measureMs = quick ? 3000 : 10000;
  const common = { warmupMs: quick ? 500 : 1000, measureMs, convergeMs: quick ? 10000 : 20000, joinConcurrency: 16 };
  return [
    { id: "pair", title: "2 clients, each sets its key at 60 Hz (reliable)", rooms: 1, perRoom: 2, hz: 60, ...common },
    { id: "room32", title: "32 clients in one room at 60 Hz", rooms: 1, perRoom: 32, hz: 60, ...common },
    {
      id: "writers8",
      title: "8 writers as fast as they can",
      rooms: 1,
      perRoom: 8,
      hz: 0,
      floodBatch: 10,
      maxWrites: 1_000_000,
      ...common,
    },
    {
      id: "fanout800",
      title: quick ? "200 clients (50 rooms × 4) at 10 Hz (--quick; the full run has 800)" : "800 clients (200 rooms × 4) at 10 Hz",
      rooms: quick ? 50 : 200,
      perRoom: 4,
      hz: 10,
      ...common,
    },
  ].map((w) => ({ joinTimeoutMs: quick ? 30000 : 90000, ...w }));
}
