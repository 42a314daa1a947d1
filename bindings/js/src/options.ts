import type { IdentityStorage, RawProfile } from "./backend.js";

/** Options of `insertCoin`, with Playroom Kit's names. */
export interface InitOptions {
  /**
   * The relay, e.g. `ws://127.0.0.1:8787` or `wss://coinop.example.com`.
   * Default: the page's own origin (the relay serves pages too), else `ws://127.0.0.1:8787`.
   */
  relayUrl?: string;
  /** Join this room. Default: the page URL's `#r=CODE`, else a new room with a fresh code. */
  roomCode?: string;
  /** The room's player cap, set by whoever creates the room. `insertCoin` rejects with `ROOM_LIMIT_EXCEEDED` when full. */
  maxPlayersPerRoom?: number;
  /** Initial room state; `resetStates()` restores it. */
  defaultStates?: Record<string, unknown>;
  /** Initial state of every player; `resetPlayersStates()` restores it. */
  defaultPlayerStates?: Record<string, unknown>;
  /** Resolve at once instead of waiting for the host in the lobby. */
  skipLobby?: boolean;
  /** How long (ms) a dropped player keeps their seat and state before others see them quit. */
  reconnectGracePeriod?: number;
  /** This player's profile (the lobby edits it too). */
  profile?: Partial<RawProfile>;
  /** How long RPC calls wait for a reply, in ms (default 5000). */
  rpcTimeout?: number;
  /** Where the player's id and secret persist (default `localStorage`, in memory where there is none). */
  storage?: IdentityStorage;
  /** Key prefix in `storage`, to run several players in one page (tests, bots). */
  identityKey?: string;
  /** A WebSocket class for runtimes without a global one (Node 20: pass the `ws` package's default export). */
  WebSocket?: unknown;
}

/** The relay URL to use when none is given. */
export function defaultRelayUrl(): string {
  const loc = (globalThis as { location?: Location }).location;
  if (loc && (loc.protocol === "http:" || loc.protocol === "https:")) {
    return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}`;
  }
  return "ws://127.0.0.1:8787";
}

/** The room code in the page URL (`#r=CODE`), if any. */
export function roomCodeFromUrl(): string | undefined {
  const hash = (globalThis as { location?: Location }).location?.hash ?? "";
  const match = /[#&]r=([A-Za-z0-9_-]+)/.exec(hash);
  return match?.[1];
}
