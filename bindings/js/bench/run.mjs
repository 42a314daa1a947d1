// coinop's JS package against Yjs + y-websocket, measured in the same run:
// the four workloads of issue 14, every client of a system in one Node
// process, each server in its own process.
//
//   node bindings/js/bench/run.mjs [--quick] [--check] [--only pair,room32,writers8,fanout800]
//                                  [--repeat N] [--relay PATH] [--json FILE] [--cpu-prof DIR]
//
// --relay (or COINOP_RELAY_BIN) names the relay binary; default
// target/release/coinop-relay. The package is the built one (bindings/js/dist,
// `node build.mjs`). Each workload runs --repeat times per system (default
// 2, or 1 with --quick), the systems' order alternating, and each figure is
// the median. Prints one markdown table per workload with every target as
// MET / NOT MET; exits 0 unless --check is given and a target is unmet.
// See RESULTS.md.
import { execFileSync, fork } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { combine, metrics } from "./metrics.mjs";
import { cpuMicros, machineBusyMicros, rssMiB } from "./proc_stats.mjs";
import { workloadTable } from "./report.mjs";
import { startCoinop, startYjs } from "./servers.mjs";
import { targets } from "./targets.mjs";
import { workloads } from "./workloads.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    only: { type: "string" },
    relay: { type: "string" },
    json: { type: "string" },
    repeat: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const relayBin = args.relay ?? process.env.COINOP_RELAY_BIN ?? join(here, "..", "..", "..", "target", "release", "coinop-relay");
if (!existsSync(relayBin)) throw new Error(`no relay binary at ${relayBin} (cargo build --release -p coinop-relay, or --relay PATH)`);
// The yardstick's packages are this folder's own dev dependencies.
if (!existsSync(join(here, "node_modules", "yjs"))) execFileSync("npm", ["ci"], { cwd: here, stdio: "inherit" });
if (!existsSync(join(here, "..", "dist", "index.js"))) throw new Error("no built package: (cd bindings/js && npm ci && node build.mjs)");

const systems = [
  { id: "yjs", name: "Yjs + y-websocket", start: () => startYjs() },
  { id: "coinop", name: "coinop", start: () => startCoinop(relayBin) },
];

/** Runs one workload for one system: a fresh server, one client process. */
async function measure(workload, system, runId) {
  const server = await system.start();
  const spec = { ...workload, system: system.id, url: server.url, roomPrefix: `b${runId}` };
  // Every phase of clients.mjs is bounded; this bounds the process too.
  const limitMs = spec.joinTimeoutMs + spec.warmupMs + spec.measureMs + spec.convergeMs + 30000;
  // --cpu-prof DIR: a V8 CPU profile of each client process, for `node --cpu-prof` readers (Chrome DevTools).
  const execArgv = [...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean), ...(args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`, `--cpu-prof-name=${spec.id}-${runId}.cpuprofile`] : [])];
  const child = fork(join(here, "clients.mjs"), [JSON.stringify(spec)], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
  const samples = {};
  const raw = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ error: `client process did not finish in ${limitMs / 1000} s` });
    }, limitMs);
    child.on("message", (m) => {
      if (m.type === "mark" && m.phase === "start") {
        samples.cpu0 = cpuMicros(server.pid);
        samples.machine0 = machineBusyMicros();
      }
      if (m.type === "mark" && m.phase === "end") {
        samples.cpu1 = cpuMicros(server.pid);
        samples.machine1 = machineBusyMicros();
        samples.rss = rssMiB(server.pid);
      }
      if (m.type === "result") {
        clearTimeout(timer);
        resolve(m.result);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ error: `client process exited (${code}) without a result` });
    });
  });
  // It closes its clients after reporting (at most 3 s), then exits.
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const late = setTimeout(() => child.kill("SIGKILL"), 10000);
    await exited;
    clearTimeout(late);
  }
  await server.stop();
  return metrics({
    ...raw,
    serverCpuMicros: samples.cpu1 - samples.cpu0,
    machineCpuMicros: samples.machine1 - samples.machine0,
    serverRss: samples.rss,
  });
}

const only = args.only?.split(",");
const repeat = Math.max(1, Number(args.repeat ?? (args.quick ? 1 : 2)) || 1);
const all = workloads({ quick: args.quick });
const unknown = only?.filter((id) => !all.some((w) => w.id === id)) ?? [];
if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(", ")}; known: ${all.map((w) => w.id).join(", ")}`);
const chosen = all.filter((w) => !only || only.includes(w.id));
const started = new Date();
console.log(`## JS bench, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC${args.quick ? " (--quick)" : ""}\n`);
console.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()[0].toFixed(1)}, Node ${process.version}; ` +
    `relay ${relayBin}; ${repeat} run(s) per system and workload, medians. ` +
    `"server" is coinop's relay or the y-websocket server; "others' CPU" is what the rest of the machine used meanwhile.`,
);
const results = {};
let unmet = 0;
for (const [n, workload] of chosen.entries()) {
  const runs = new Map(systems.map((s) => [s, []]));
  for (let r = 0; r < repeat; r++) {
    // Alternate who goes first: the machine's other load drifts.
    for (const system of r % 2 ? [...systems].reverse() : systems) {
      process.stderr.write(`… ${workload.id}, run ${r + 1}/${repeat}: ${system.name}\n`);
      runs.get(system).push(await measure(workload, system, `${process.pid}w${n}r${r}${system.id}`));
    }
  }
  const rows = systems.map((s) => [s.name, combine(runs.get(s))]);
  const [yjs, coinop] = rows.map(([, m]) => m);
  const checks = targets[workload.id].map((check) => check(yjs, coinop));
  unmet += checks.filter((c) => !c.met).length;
  results[workload.id] = { yjs, coinop, checks, runs: Object.fromEntries(systems.map((s) => [s.id, runs.get(s)])) };
  const table = workloadTable(workload.title, rows, checks);
  console.log(`\n${table}`);
}
const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(0);
console.log(`\n${unmet} target(s) not met; ${seconds} s.`);
if (args.json) writeFileSync(args.json, JSON.stringify({ started, quick: args.quick, results }, null, 2));
process.exit(args.check && unmet > 0 ? 1 : 0);
