import type { BackendTarget } from "./backend.js";
import type { PlayerState } from "./player_state.js";

/** Who an RPC goes to, as in Playroom Kit, plus one player by id. */
export type RpcMode = "host" | "all" | "others" | { player: string };

/** An RPC handler: the first non-`undefined` value returned by any receiver answers the call. */
export type RpcHandler = (data: any, caller: PlayerState) => unknown | Promise<unknown>;

/** Options of a call. */
export interface RpcCallOptions {
  /** How long to wait for a reply, in ms (default: the client's `rpcTimeout`, 5000). */
  timeout?: number;
}

/** Playroom Kit's `RPC.Mode`. */
export const Mode = Object.freeze({
  HOST: "host" as const,
  ALL: "all" as const,
  OTHERS: "others" as const,
  /** One player, by id (not in Playroom Kit). */
  player: (id: string): RpcMode => ({ player: id }),
});

/** The `RPC` object of a client. */
export interface Rpc {
  readonly Mode: typeof Mode;
  /** Registers `handler` under `name`; returns a function that unregisters it. Works before `insertCoin`. */
  register(name: string, handler: RpcHandler): () => void;
  /**
   * Calls `name` on the players `mode` selects. Resolves with the first reply;
   * rejects with a `CoinopError` `RPC_TIMEOUT` when none arrives in time —
   * never a promise that hangs.
   */
  call(name: string, data?: unknown, mode?: RpcMode, callbackOrOptions?: ((response: any) => void) | RpcCallOptions): Promise<any>;
}

/** Maps a mode to the Wasm side's target. */
export function toTarget(mode: RpcMode): BackendTarget {
  if (typeof mode === "object") return { mode: "player", player: mode.player };
  return { mode };
}
