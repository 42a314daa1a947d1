// Issue 14's targets: coinop's figures against Yjs's from the same run.

const le = (a, b) => a !== null && a !== undefined && b !== null && b !== undefined && a <= b;
const ratio = (a, b) => (a && b ? ` (${(a / b).toFixed(2)}×)` : "");
const ms = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(2)} ms`);
const us = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(1)} µs`);
const allConverged = (m) => !m.error && m.converged === m.total;

const p50AtMost = (k) => (y, c) => ({
  target: k === 1 ? "p50 ≤ Yjs's p50" : `p50 ≤ ${k} × Yjs's p50`,
  measured: `${ms(c.p50)} vs ${ms(y.p50)}${ratio(c.p50, y.p50)}`,
  met: le(c.p50, k * y.p50),
});
const p99AtMost = (k) => (y, c) => ({
  target: `p99 ≤ ${k} × Yjs's p99`,
  measured: `${ms(c.p99)} vs ${ms(y.p99)}${ratio(c.p99, y.p99)}`,
  met: le(c.p99, k * y.p99),
});
const clientCpu = (y, c) => ({
  target: "client-process CPU per delivered update ≤ Yjs's",
  measured: `${us(c.clientUsPerDelivered)} vs ${us(y.clientUsPerDelivered)}${ratio(c.clientUsPerDelivered, y.clientUsPerDelivered)}`,
  met: le(c.clientUsPerDelivered, y.clientUsPerDelivered),
});
const converged = (_y, c) => ({
  target: "every client has every other's last write (coinop: and acked)",
  measured: c.error ? c.error : `${c.converged}/${c.total} in ${(c.convergeMs / 1000).toFixed(1)} s`,
  met: allConverged(c),
});

/** Per workload id, the checks: `(yjs, coinop) => { target, measured, met }`. */
export const targets = {
  pair: [p50AtMost(1), clientCpu],
  room32: [p50AtMost(1.2), p99AtMost(2), clientCpu],
  writers8: [
    (y, c) => ({
      target: "writes/s ≥ Yjs's",
      measured: `${c.writesPerSec?.toFixed(0) ?? "–"} vs ${y.writesPerSec?.toFixed(0) ?? "–"}${ratio(c.writesPerSec, y.writesPerSec)}`,
      met: le(y.writesPerSec, c.writesPerSec),
    }),
    converged,
  ],
  fanout800: [
    (_y, c) => ({
      target: "≥ 99 % of sends made",
      measured: c.sendsMade === null || c.sendsMade === undefined ? "–" : `${(c.sendsMade * 100).toFixed(1)} %`,
      met: le(0.99, c.sendsMade),
    }),
    (_y, c) => ({ target: "p99 ≤ 50 ms", measured: ms(c.p99), met: le(c.p99, 50) }),
    converged,
  ],
};
