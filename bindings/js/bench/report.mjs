// Markdown tables: per workload, one row per system and one per target.

const fixed = (digits, suffix = "") => (v) => (v === null || v === undefined || Number.isNaN(v) ? "–" : `${v.toFixed(digits)}${suffix}`);
const columns = [
  ["p50 ms", (m) => fixed(2)(m.p50)],
  ["p99 ms", (m) => fixed(2)(m.p99)],
  ["writes/s made", (m) => fixed(0)(m.writesPerSec)],
  ["sends made", (m) => fixed(1, " %")(m.sendsMade === null ? null : m.sendsMade * 100)],
  ["delivered/s", (m) => fixed(0)(m.deliveredPerSec)],
  ["client CPU", (m) => fixed(0, " %")(m.clientCpuPct)],
  ["client µs/delivered", (m) => fixed(1)(m.clientUsPerDelivered)],
  ["server CPU", (m) => fixed(0, " %")(m.serverCpuPct)],
  ["server µs/delivered", (m) => fixed(1)(m.serverUsPerDelivered)],
  ["server RSS MiB", (m) => fixed(1)(m.serverRss)],
  ["client RSS MiB", (m) => fixed(0)(m.clientRss)],
  ["others' CPU", (m) => fixed(0, " %")(m.othersCpuPct)],
  ["converged", (m) => (m.total ? `${m.converged}/${m.total}` : "–")],
];

/** The table of one workload: `rows` is `[[name, metrics], …]`, `checks` the evaluated targets. */
export function workloadTable(title, rows, checks) {
  const lines = [`### ${title}`, ""];
  lines.push(`| system | ${columns.map(([name]) => name).join(" | ")} |`);
  lines.push(`|---|${columns.map(() => "---").join("|")}|`);
  for (const [name, m] of rows) {
    if (m.error) lines.push(`| ${name} | ${m.error} |${columns.slice(1).map(() => "").join(" |")} |`);
    else lines.push(`| ${name} | ${columns.map(([, cell]) => cell(m)).join(" | ")} |`);
  }
  lines.push("", "| target | coinop vs Yjs | status |", "|---|---|---|");
  for (const c of checks) lines.push(`| ${c.target} | ${c.measured} | ${c.met ? "MET" : "**NOT MET**"} |`);
  return lines.join("\n");
}
