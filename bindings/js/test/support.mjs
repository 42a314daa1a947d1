// Test support: the real relay binary on a free loopback port, and clients.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join as joinPath } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { createClient, memoryStorage } from "../dist/index.js";

const root = joinPath(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Path of a binary cargo built (debug profile), or the env override. */
function cargoBin(name, override) {
  if (process.env[override]) return process.env[override];
  const target = process.env.CARGO_TARGET_DIR ?? joinPath(root, "target");
  return joinPath(target, "debug", name);
}

/** Path of the relay binary cargo built. */
export function relayBin() {
  return cargoBin("coinop-relay", "COINOP_RELAY_BIN");
}

/** Path of the native bot example cargo built. */
export function nativeBotBin() {
  return cargoBin("native-bot", "COINOP_NATIVE_BOT_BIN");
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitListening(port, deadline) {
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`relay did not listen on ${port}`);
}

/** Starts the relay on a fresh data directory; `restart()` keeps port and data. */
export async function startRelay(extraArgs = []) {
  const port = await freePort();
  const dataDir = mkdtempSync(joinPath(tmpdir(), "coinop-js-"));
  let child;
  const relay = {
    url: `ws://127.0.0.1:${port}`,
    /** The running relay's process id (benchmarks read its CPU and RSS). */
    get pid() {
      return child?.pid;
    },
    async start() {
      child = spawn(relayBin(), ["--addr", `127.0.0.1:${port}`, "--data-dir", dataDir, ...extraArgs], {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
      });
      await waitListening(port, Date.now() + 20000);
    },
    async kill() {
      if (!child) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      child = undefined;
    },
    async restart() {
      await relay.kill();
      await relay.start();
    },
    async stop() {
      await relay.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await relay.start();
  return relay;
}

/**
 * The relay of one test file: started before its tests, stopped after them.
 * The handle is filled in (`url`, `restart()`, ...) once the tests run.
 */
export function relayForFile(extraArgs = []) {
  const relay = {};
  before(async () => Object.assign(relay, await startRelay(extraArgs)));
  after(async () => relay.stop?.());
  return relay;
}

/** A joined client; `storage` lets a test "reload" as the same player. */
export async function join(relay, roomCode, options = {}) {
  const client = createClient();
  await client.insertCoin({
    relayUrl: relay.url,
    roomCode,
    skipLobby: true,
    WebSocket,
    storage: options.storage ?? memoryStorage(),
    ...options,
  });
  return client;
}

/** Leaves the room with every client given (and skips the missing ones). */
export async function leaveAll(...clients) {
  await Promise.all(clients.map((client) => client?.leaveRoom()));
}

/** Resolves when `check()` is truthy, rejects after `ms`. */
export async function eventually(check, ms = 5000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let rooms = 0;
/** A fresh room code per test. */
export function roomCode() {
  rooms += 1;
  return `js${process.pid}x${rooms}`;
}
