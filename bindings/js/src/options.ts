import type { IdentityStorage, RawProfile, RoomRules } from "./backend.js";
import type { Bot } from "./bot.js";
import type { Identity } from "./identity.js";
import type { ReplicaStorage } from "./replica_store.js";

/** Options of `insertCoin`, with Playroom Kit's names. */
export interface InitOptions {
  /**
   * The relay, e.g. `ws://127.0.0.1:8787` or `wss://coinop.example.com`.
   * Default: the page's own origin (the relay serves pages too), else `ws://127.0.0.1:8787`.
   */
  relayUrl?: string;
  /**
   * Join this room; without it, a new room with a fresh code. For the
   * default client (the global functions) in a browser, the page URL's
   * `#r=CODE` takes precedence, as in Playroom Kit.
   */
  roomCode?: string;
  /**
   * Join `roomCode` only if that room exists: otherwise `insertCoin` rejects
   * with `ROOM_NOT_FOUND` and the relay stores nothing (checking a code a
   * player typed creates no room).
   */
  onlyExisting?: boolean;
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
  /**
   * Who may write what, used when this join creates the room (the relay
   * keeps them with the room). A write they forbid is undone locally and
   * reported through `onError` with code `WRITE_FORBIDDEN` (or
   * `LAYOUT_PROTECTED`).
   */
  roomRules?: RoomRules;
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
  /**
   * The local replica of the room: the document and the writes the relay has
   * not stored yet, kept across reloads so that offline writes are not lost.
   * Default: IndexedDB where there is one (browsers), none elsewhere;
   * `false` keeps none (writes not yet stored by the relay die with the page).
   */
  replica?: boolean | ReplicaStorage;
  /** Lets the host seat bots with `addBot()` (Playroom Kit's option); the host's client runs them. */
  enableBots?: boolean;
  /** The bot class (extending `Bot`) and its constructor's argument. */
  botOptions?: BotOptions;
  /** @internal Join as a bot seat run by this player (the bot runner sets it). */
  botOf?: string;
  /** Playroom Kit's `gameId`: names the game whose public rooms matchmaking and `listPublicRooms` use. Any string; no dev portal needed. */
  gameId?: string;
  /**
   * Casual matchmaking, as in Playroom Kit: join the fullest public room of
   * `gameId` with an open seat, waiting up to `waitBeforeCreatingNewRoom` ms
   * (default 5000; `true` uses it) for one before a new public room is made.
   * `roomCode` and the page's `#r=` are ignored. Needs `gameId`.
   */
  matchmaking?: boolean | { waitBeforeCreatingNewRoom?: number };
  /** Stream mode (Playroom Kit's `streamMode`): this client is the shared screen. It joins without taking a player seat, is not in `getPlayers()`, and its lobby shows the room's QR for phones. `isStreamScreen()` is true. */
  streamMode?: boolean;
  /** Join read-only: no player seat, and the relay refuses this client's writes (`READ_ONLY`). */
  spectator?: boolean;
  /** Accepted for Playroom Kit compatibility: the persistence API is always on. */
  persistentMode?: boolean;
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

/** `insertCoin`'s `botOptions`. */
export interface BotOptions {
  /** The class to run for each bot seat (default: the plain `Bot`). */
  botClass?: new (botParams?: any) => Bot;
  /** Passed to the class's constructor. */
  botParams?: any;
}
