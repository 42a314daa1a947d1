// The contract between this package and the Wasm module (`bindings/wasm`,
// crate `coinop-wasm`). Everything that touches the network or the document
// lives in Rust; this side adds Playroom Kit's names and JS conveniences.

/** A player's lobby profile as stored in the room document. */
export interface RawProfile {
  name: string;
  color: string;
  avatar: string;
}

/** Where a connection stands. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

/** `getStatus()`: connection state, and whether every local change is stored by the relay. */
export interface Status {
  connection: ConnectionState;
  saved: boolean;
}

/** Events the Wasm room emits, as plain objects. */
export type BackendEvent =
  | { type: "state"; key: string; value: unknown; player: string | null }
  | { type: "playerState"; player: string; key: string; value: unknown; by: string | null }
  | { type: "join"; player: string; role: Role }
  | { type: "quit"; player: string }
  | { type: "profile"; player: string }
  | { type: "host"; host: string | null }
  | { type: "status"; connection: ConnectionState; saved: boolean }
  | { type: "disconnect"; code: string; reason: string; fatal: boolean }
  | { type: "rpc"; call: number; from: string; name: string; payload: unknown; wantReply: boolean }
  | { type: "error"; code: string; message: string };

/** What a client is in a room: a player, a stream screen (no player seat) or a read-only spectator. */
export type Role = "player" | "streamScreen" | "spectator";

/** A key-value store for the player's identity (`localStorage` fits). */
export interface IdentityStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * Who may write what in a room, chosen by whoever creates it and enforced
 * by the relay on every change (see the README's "Who may write what").
 * A player's profile is always written by that player alone.
 */
export interface RoomRules {
  /** Who writes a player's state: that player or the host (`"ownerOrHost"`, the default), that player alone (`"ownerOnly"`), or anyone (`"anyone"`, Playroom Kit's rule). */
  playerState?: "ownerOrHost" | "ownerOnly" | "anyone";
  /** Only the host writes the room state (every key). */
  roomStateHostOnly?: boolean;
  /** Room state keys only the host writes (at most 64). */
  hostOnlyKeys?: string[];
}

/** Options handed to the Wasm room. */
export interface BackendOptions {
  relayUrl: string;
  roomCode?: string;
  maxPlayers?: number;
  gracePeriodMs?: number;
  /** Join `roomCode` only if that room exists (`ROOM_NOT_FOUND` otherwise; nothing is stored). */
  onlyExisting?: boolean;
  defaultStates?: Record<string, unknown>;
  defaultPlayerStates?: Record<string, unknown>;
  /** The player's chosen profile: always written. */
  profile?: Partial<RawProfile>;
  /** A profile for a new player; a returning player keeps the one the room holds. */
  defaultProfile?: RawProfile;
  rpcTimeoutMs?: number;
  /** Write rules, used when this join creates the room. */
  roomRules?: RoomRules;
  /** Namespace for the stored identity, so that several clients in one page can be distinct players. */
  identityKey?: string;
  /** Join as a bot seat run by this player (the host); the identity holds the bot's id and the host's secret. */
  botOf?: string;
  /** Playroom Kit's `gameId`: public rooms and matchmaking are per game. */
  gameId?: string;
  /** Matchmake into a public room, waiting this long (ms) for an open one before one is made. */
  matchmakingWaitMs?: number;
  role?: Role;
}

/** An RPC target: "host" | "all" | "others", or one player's id. */
export type BackendTarget = { mode: "host" | "all" | "others" } | { mode: "player"; player: string };

/** The Wasm room (class `WasmRoom` in `coinop-wasm`). */
export interface Backend {
  /** Resolves once joined and caught up; rejects with an `Error` whose `code` is the relay's code (e.g. `ROOM_FULL`). */
  ready(): Promise<void>;
  roomCode(): string | undefined;
  myId(): string;
  setState(key: string, value: unknown, reliable: boolean): void;
  getState(key: string): unknown;
  stateKeys(): string[];
  resetStates(exclude: string[]): void;
  increment(key: string, by: number): void;
  setPlayerState(player: string, key: string, value: unknown, reliable: boolean): void;
  getPlayerState(player: string, key: string): unknown;
  resetPlayersStates(exclude: string[]): void;
  profile(player: string): RawProfile | undefined;
  setProfile(profile: Partial<RawProfile>): void;
  players(): string[];
  hostId(): string | undefined;
  isBot(player: string): boolean;
  transferHost(player: string): void;
  kick(player: string): void;
  /** Host only: lets a kicked player join again. */
  unban(player: string): void;
  /** The room's owner only: deletes the room. */
  deleteRoom(): void;
  leave(): void;
  status(): Status;
  serverTime(): number;
  onEvent(callback: (event: BackendEvent) => void): void;
  callRpc(name: string, payload: unknown, target: BackendTarget, timeoutMs: number): Promise<unknown>;
  replyRpc(call: number, to: string, ok: boolean, value: unknown): void;
  role(): Role;
  /** Everyone in the roster, players or not. */
  members(): { id: string; role: Role }[];
  setPersistentData(key: string, value: unknown): Promise<void>;
  getPersistentData(key: string): Promise<unknown>;
  insertPersistentData(key: string, value: unknown): Promise<void>;
  startMatchmaking(): Promise<void>;
  free(): void;
}
