// coinop's JS package in a real browser: N clients in one headless Chromium
// page (Debian's chromium, driven by playwright-core), each setting its own
// key at 60 Hz (reliable), against the relay binary. The Node bench
// (run.mjs) has no IndexedDB, so it never pays for the browser replica or
// for timers clamped in nested setTimeout chains; this one does.
//
//   node bindings/js/bench/browser.mjs [--clients 8] [--seconds 5] [--repeat 2]
//                                      [--replica on|off|both] [--relay PATH]
//
// Prints set → seen by every other client p50/p90/p99 (ms), the share of
// frames written, and how many observations there were (a client's
// listener sees each key at most once per driver turn). Yjs is not run
// here: it would need a bundler for the page.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CHROMIUM, launchChromium, servePackage } from "../test/browser_support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    clients: { type: "string", default: "8" },
    seconds: { type: "string", default: "5" },
    repeat: { type: "string", default: "2" },
    replica: { type: "string", default: "both" },
    relay: { type: "string" },
  },
});
if (args.relay) process.env.COINOP_RELAY_BIN = args.relay;
process.env.COINOP_RELAY_BIN ??= join(here, "..", "..", "..", "target", "release", "coinop-relay");
if (!existsSync(process.env.COINOP_RELAY_BIN)) throw new Error(`no relay binary at ${process.env.COINOP_RELAY_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (CHROMIUM_PATH)`);
if (!existsSync(join(here, "..", "dist", "index.js"))) throw new Error("no built package: (cd bindings/js && npm ci && node build.mjs)");
// Imported here: it loads the built package.
const { startRelay } = await import("../test/support.mjs");

const replicas = { on: [true], off: [false], both: [true, false] }[args.replica];
if (!replicas) throw new Error("--replica is on, off or both");
const clients = Number(args.clients);
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : "–");

const relay = await startRelay();
const server = await servePackage("bench/browser_page.html");
const browser = await launchChromium();
const rows = [];
try {
  for (let r = 0; r < Number(args.repeat); r++) {
    for (const replica of replicas) {
      const page = await browser.newPage();
      page.on("pageerror", (e) => console.error("page error:", e));
      await page.goto(server.base);
      await page.waitForFunction(() => document.title === "ready");
      const spec = { relayUrl: relay.url, room: `BR${r}${replica ? "R" : "N"}${process.pid % 1000}`, clients, warmupMs: 1000, measureMs: Number(args.seconds) * 1000, replica };
      const out = await page.evaluate((s) => window.run(s), spec);
      await page.close();
      rows.push({ replica, ...out });
      console.error(`… run ${r + 1}, replica ${replica ? "on" : "off"}: p50 ${fmt(out.p50)} ms`);
    }
  }
} finally {
  await browser.close();
  server.close();
  await relay.stop();
}
console.log(`\n${clients} clients in one Chromium page at 60 Hz (reliable), ${args.seconds} s measured per run\n`);
console.log("| replica | p50 ms | p90 ms | p99 ms | sends made | observations |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.replica ? "IndexedDB (default)" : "off"} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.p99)} | ${(100 * r.sendsMade).toFixed(1)} % | ${r.observed} |`);
