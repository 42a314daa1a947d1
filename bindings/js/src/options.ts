import type { IdentityStorage, RawProfile } from "./backend.js";
import type { Identity } from "./identity.js";

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
  /**
   * Resolve as soon as joined, without the lobby. The lobby only shows in
   * browsers (a `document`); elsewhere this is always the behaviour.
   */
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
  /**
   * Join as this identity (from `getIdentity()` on another device, e.g. a
   * "host key" link) and store it in `storage`, replacing the one there.
   */
  identity?: Identity;
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

/**
 * Puts `r=CODE` in the page URL's hash (keeping its other `&` parts), so that
 * a reload or a shared link joins the same room. `replaceState` adds no
 * history entry and fires no `hashchange` for the page's own router.
 */
export function writeRoomCodeToUrl(code: string): void {
  const g = globalThis as { location?: Location; history?: History; document?: unknown };
  if (!g.location || !g.document || roomCodeFromUrl() === code) return;
  const rest = g.location.hash.replace(/^#/, "").split("&").filter((part) => part && !part.startsWith("r="));
  const hash = `#${[`r=${code}`, ...rest].join("&")}`;
  try {
    g.history?.replaceState(g.history.state, "", hash);
  } catch {
    g.location.hash = hash;
  }
  if (roomCodeFromUrl() !== code) g.location.hash = hash;
}
