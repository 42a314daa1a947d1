// The Wasm core opens its connection with the global `WebSocket`. Node 20
// has none: `insertCoin({ WebSocket })` installs the one given (the `ws`
// package's class).
import { CoinopError } from "./errors.js";

/** Installs `ctor` as the global `WebSocket` where there is none; throws `NO_WEBSOCKET` if there is still none. */
export function ensureWebSocket(ctor: unknown): void {
  const g = globalThis as { WebSocket?: unknown };
  if (ctor && !g.WebSocket) g.WebSocket = ctor;
  if (!g.WebSocket) {
    throw new CoinopError("NO_WEBSOCKET", "no global WebSocket: pass insertCoin({ WebSocket }) (e.g. the 'ws' package) on Node 20");
  }
}
