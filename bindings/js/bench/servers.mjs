// The two servers under test, each a child process of the bench so that
// its CPU and RSS can be read from /proc: coinop's relay binary (durable
// SQLite in a temporary directory, via the package tests' startRelay) and
// the y-websocket server (yjs_server.mjs).
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The coinop relay at `bin`; `{ url, pid, stop() }`. */
export async function startCoinop(bin) {
  process.env.COINOP_RELAY_BIN = bin;
  // Loaded here, not at the top: it imports the built package.
  const { startRelay } = await import("../test/support.mjs");
  const relay = await startRelay();
  return { url: relay.url, pid: relay.pid, stop: () => relay.stop() };
}

/** The y-websocket server; `{ url, pid, stop() }`. */
export async function startYjs() {
  const child = fork(fileURLToPath(new URL("./yjs_server.mjs", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [{ port }] = await once(child, "message");
  return {
    url: `ws://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}
