import type { Role, Status } from "./backend.js";
import { Bot } from "./bot.js";
import { BotRunner } from "./bot_runner.js";
import { connect } from "./connect.js";
import { CoinopError, toCoinopError } from "./errors.js";
import type { Identity } from "./identity.js";
import { showJoinBadge } from "./lobby/join_badge.js";
import { openLobby, wantsLobby } from "./lobby/open.js";
import { defaultRelayUrl, type InitOptions } from "./options.js";
import type { PlayerState } from "./player_state.js";
import { Players } from "./players.js";
import { isReserved } from "./reserved.js";
import { listPublicRooms, type PublicRoom } from "./public_rooms.js";
import { deleteMyRoom, listMyRooms, type ListMyRoomsOptions, type MyRoom } from "./rooms.js";
import type { Rpc } from "./rpc.js";
import { RpcEndpoint } from "./rpc_endpoint.js";
import { Session, type DisconnectEvent } from "./session.js";

export type { DisconnectEvent } from "./session.js";

/** Clients that follow the page URL's `#r=`: the default one only. */
const pageClients = new WeakSet<CoinopClient>();

function refuseReserved(key: string): void {
  if (isReserved(key)) throw new CoinopError("INVALID_KEY", `room state keys starting with "coinop:" are reserved`);
}

/**
 * One client: one player in one room. The package's global functions are a
 * facade over a default client; create more with `createClient()` to run
 * several players in one process (tests, bots, load tools).
 */
export class CoinopClient {
  readonly #session = new Session();
  readonly #players = new Players(this.#session);
  readonly #bots = new BotRunner(this.#session, () => new CoinopClient(), Bot);
  #relayUrl?: string;
  #gameId?: string;
  #identity?: Identity;
  #joining?: Promise<void>;

  /** The RPC API of this client: `register`, `call`, `Mode`. */
  readonly RPC: Rpc = new RpcEndpoint(this.#session, this.#players);

  constructor() {
    this.#session.onLeave(() => {
      this.#joining = undefined;
    });
  }

  /** @internal The session behind this client, for `coinop/react` and tests. */
  get _session(): Session {
    return this.#session;
  }

  /**
   * Joins (or creates) a room. Resolves when this player is in and holds the
   * room's state (with a lobby: when the host launches). Rejects with a
   * `CoinopError` (`ROOM_LIMIT_EXCEEDED`, `WRONG_SECRET`, ...) when refused.
   */
  insertCoin(options: InitOptions = {}, onLaunch?: () => void, onDisconnect?: (e: DisconnectEvent) => void): Promise<void> {
    if (this.#joining) return this.#joining;
    if (onDisconnect) this.onDisconnect(onDisconnect);
    this.#joining = this.#start(options).then(() => onLaunch?.());
    this.#joining.catch(() => {
      this.#joining = undefined;
    });
    return this.#joining;
  }

  async #start(options: InitOptions): Promise<void> {
    const relayUrl = options.relayUrl ?? defaultRelayUrl();
    this.#relayUrl = relayUrl;
    this.#gameId = options.gameId;
    const bots = { enabled: !!options.enableBots, maxPlayers: options.maxPlayersPerRoom, add: () => this.#bots.add() };
    const lobby = wantsLobby(options) ? openLobby(this.#session, bots) : undefined;
    try {
      this.#identity = await connect(this.#session, { ...options, relayUrl }, pageClients.has(this));
    } catch (e) {
      const error = toCoinopError(e);
      lobby?.fail(error);
      throw error;
    }
    this.#bots.start({ ...options, relayUrl }, this.#identity);
    await lobby?.launched();
    // The lobby is gone, but phones may still come: the TV keeps the QR on screen.
    if (lobby && this.isStreamScreen()) showJoinBadge(this.#session);
  }

  /** Host only, with `enableBots`: seats a new bot (an instance of `botOptions.botClass`) and resolves with it. */
  addBot(): Promise<Bot> {
    return this.#bots.add();
  }

  /** Sets a room state key. Reliable by default: stored, merged, never lost. `reliable = false`: latest value wins, not stored (positions, cursors). */
  setState(key: string, value: unknown, reliable = true): void {
    refuseReserved(key);
    this.#session.require().setState(key, value, reliable);
  }

  /** A room state value, or `undefined`. */
  getState<T = any>(key: string): T | undefined {
    return isReserved(key) ? undefined : (this.#session.backend?.getState(key) as T | undefined);
  }

  /** The room state's keys. */
  getStateKeys(): string[] {
    return (this.#session.backend?.stateKeys() ?? []).filter((key) => !isReserved(key));
  }

  /** Adds `by` to a counter; concurrent increments from several players add up. */
  increment(key: string, by = 1): void {
    refuseReserved(key);
    this.#session.require().increment(key, by);
  }

  /** Resets room state to `defaultStates`, keeping the keys listed. */
  async resetStates(keysToExclude: string[] = []): Promise<void> {
    const backend = this.#session.require();
    backend.resetStates([...keysToExclude, ...backend.stateKeys().filter(isReserved)]);
  }

  /** Resets every player's state to `defaultPlayerStates`, keeping the keys listed. */
  async resetPlayersStates(keysToExclude: string[] = []): Promise<void> {
    this.#session.require().resetPlayersStates(keysToExclude);
  }

  /** Resolves with `key`'s value once it is truthy. */
  waitForState<T = any>(key: string, callback?: (value: T) => void): Promise<T> {
    return this.#waitFor(() => this.getState<T>(key), callback);
  }

  /** Resolves with `player`'s `key` once it is truthy. */
  waitForPlayerState<T = any>(player: PlayerState, key: string, callback?: (value: T) => void): Promise<T> {
    return this.#waitFor(() => player.getState<T>(key), callback);
  }

  #waitFor<T>(read: () => T | undefined, callback?: (value: T) => void): Promise<T> {
    return new Promise((resolve) => {
      const check = () => {
        const value = read();
        if (!value) return;
        stop();
        callback?.(value);
        resolve(value);
      };
      const stop = this.#session.onChange(check);
      check();
    });
  }

  /** Your own player. */
  myPlayer(): PlayerState {
    return this.#players.get(this.#session.require().myId());
  }

  /** Your own player (alias of `myPlayer`). */
  me(): PlayerState {
    return this.myPlayer();
  }

  /** A seated player by id. */
  getPlayer(id: string): PlayerState | undefined {
    return this.#players.seated(id);
  }

  /** Every seated player, in seating order. */
  getPlayers(): PlayerState[] {
    return this.#players.all();
  }

  /** Calls `callback` for every player already in the room, then for each new one. Returns an unsubscribe function. */
  onPlayerJoin(callback: (player: PlayerState) => void): () => void {
    for (const player of this.#players.all()) callback(player);
    return this.#session.onSeat((id) => callback(this.#players.get(id)));
  }

  /** Calls `callback(key, value, playerId)` on every room state change, local or remote. */
  onStateChange(callback: (key: string, value: unknown, playerId: string | null) => void): () => void {
    return this.#session.onEvent((e) => {
      // Reserved keys (the lobby's) stay out of the user's events.
      if (e.type === "state" && !isReserved(e.key)) callback(e.key, e.value, e.player);
    });
  }

  /** Calls `callback(player, key, value, byPlayerId)` on every per-player state change. */
  onPlayerStateChange(callback: (player: PlayerState, key: string, value: unknown, by: string | null) => void): () => void {
    return this.#session.onEvent((e) => {
      if (e.type === "playerState") callback(this.#players.get(e.player), e.key, e.value, e.by);
    });
  }

  /** Calls `callback(hostId)` when the host changes. */
  onHostChange(callback: (hostId: string | null) => void): () => void {
    return this.#session.onEvent((e) => {
      if (e.type === "host") callback(e.host);
    });
  }

  /** Calls `callback` on every connection status change. */
  onStatusChange(callback: (status: Status) => void): () => void {
    return this.#session.onEvent((e) => {
      if (e.type === "status") callback({ connection: e.connection, saved: e.saved });
    });
  }

  /** Calls `callback` when the connection ends for good (kicked, refused) or drops (it then reconnects by itself). */
  onDisconnect(callback: (event: DisconnectEvent) => void): () => void {
    return this.#session.onDisconnect(callback);
  }

  /**
   * Calls `callback` with each error the room reports and survives, as a
   * `CoinopError`: `WRITE_FORBIDDEN` or `LAYOUT_PROTECTED` when the relay
   * refused a write under the room's rules (the write is then undone here
   * too, and later writes go on).
   */
  onError(callback: (error: CoinopError) => void): () => void {
    return this.#session.onError(callback);
  }

  /** Whether this player is the host. */
  isHost(): boolean {
    const backend = this.#session.backend;
    return !!backend && backend.hostId() === backend.myId();
  }

  /** The host's id. */
  getHostId(): string | undefined {
    return this.#session.backend?.hostId();
  }

  /** Host only: hands the host role to another seated player. */
  async transferHost(playerId: string): Promise<void> {
    this.#session.require().transferHost(playerId);
  }

  /**
   * Host only: lets a kicked player join this room again. A kick lasts until
   * then (the relay keeps it with the room, across restarts): the kicked
   * player's `insertCoin` rejects with `KICKED` meanwhile.
   */
  async unbanPlayer(playerId: string): Promise<void> {
    this.#session.require().unban(playerId);
  }

  /**
   * The room's owner (the player who created it) only: deletes the room and
   * everything the relay stored of it. Every player in it, this one too, is
   * disconnected with `ROOM_DELETED` (`onDisconnect`); anyone else gets a
   * `NOT_OWNER` error and the room goes on. To delete a room without
   * joining it, use `deleteMyRoom(roomCode)`.
   */
  async deleteRoom(): Promise<void> {
    this.#session.require().deleteRoom();
  }

  /** The room's code (share it, or put it in the URL as `#r=CODE`). */
  getRoomCode(): string | undefined {
    return this.#session.backend?.roomCode();
  }

  /** `{ connection, saved }`: `saved` means no local change waits for the relay's acknowledgement. */
  getStatus(): Status {
    return this.#session.backend?.status() ?? { connection: "offline", saved: true };
  }

  /** The relay's clock estimate in ms since the Unix epoch, the same on every client: run countdowns on it. */
  getServerTime(): number {
    return this.#session.backend?.serverTime() ?? Date.now();
  }

  /** This player's identity (`playerId`, `secret` as lowercase hex), once `insertCoin` has joined; carry it to another device with `insertCoin({ identity })`. */
  getIdentity(): Identity | undefined {
    return this.#identity;
  }

  /**
   * The rooms a player has joined, from the relay's room index. Works without
   * joining: the identity comes from `options`, else this client's (once
   * joined), else the storage `insertCoin` keeps it in. Rejects with
   * `NO_IDENTITY`, `UNAUTHORIZED` (401), `NETWORK_ERROR` or `RELAY_ERROR`.
   */
  listMyRooms(options: ListMyRoomsOptions = {}): Promise<MyRoom[]> {
    return listMyRooms(this.#roomApiOptions(options));
  }

  /**
   * Deletes a room this player owns, without joining it (a host dashboard's
   * delete button), through the relay's HTTP API. The identity is found as
   * for `listMyRooms`. Rejects with `NOT_OWNER` (403), `ROOM_NOT_FOUND`
   * (404), `NO_IDENTITY`, `UNAUTHORIZED`, `NETWORK_ERROR` or `RELAY_ERROR`.
   */
  deleteMyRoom(roomCode: string, options: ListMyRoomsOptions = {}): Promise<void> {
    return deleteMyRoom(roomCode, this.#roomApiOptions(options));
  }

  /** `options` for the relay's per-player HTTP API, completed with this client's relay and identity. */
  #roomApiOptions(options: ListMyRoomsOptions): ListMyRoomsOptions {
    const fromStorage = options.identity || options.storage || options.identityKey !== undefined;
    return {
      ...options,
      relayUrl: options.relayUrl ?? this.#relayUrl,
      identity: options.identity ?? (fromStorage ? undefined : this.#identity),
    };
  }

  /** Whether this client is the stream screen (`insertCoin({ streamMode: true })`). */
  isStreamScreen(): boolean {
    return this.#session.backend?.role() === "streamScreen";
  }

  /** Whether this client joined as a read-only spectator (`insertCoin({ spectator: true })`). */
  isSpectator(): boolean {
    return this.#session.backend?.role() === "spectator";
  }

  /** Everyone in the room's roster with what they are: players, stream screens, spectators. */
  getRoster(): { id: string; role: Role }[] {
    return this.#session.backend?.members() ?? [];
  }

  /**
   * Stores `value` under this player's persistent `key`: kept by the relay
   * across rooms and sessions, bound to the player's secret. `undefined`
   * deletes it. Resolves once stored; rejects with a `CoinopError` whose
   * `code` is `PERSISTENT_VALUE_TOO_LARGE`, `TOO_MANY_PERSISTENT_KEYS`, ...
   */
  async setPersistentData(key: string, value: unknown): Promise<void> {
    await this.#session.require().setPersistentData(key, value);
  }

  /** This player's persistent `key` (a list reads as an array), or `undefined`. */
  async getPersistentData<T = any>(key: string): Promise<T | undefined> {
    return (await this.#session.require().getPersistentData(key)) as T | undefined;
  }

  /** Appends `value` to the list under this player's persistent `key` (`PERSISTENT_LIST_TOO_LONG` when full). */
  async insertPersistentData(key: string, value: unknown): Promise<void> {
    await this.#session.require().insertPersistentData(key, value);
  }

  /**
   * Opens this room to matchmaking for `insertCoin`'s `gameId` (host only):
   * players matchmaking for the game are seated here while seats are open.
   * The party stays together, with its state and profiles.
   */
  async startMatchmaking(): Promise<void> {
    await this.#session.require().startMatchmaking();
  }

  /** The public rooms of `gameId` (default: `insertCoin`'s), fullest first, for a custom lobby. */
  listPublicRooms(gameId?: string, relayUrl?: string): Promise<PublicRoom[]> {
    const game = gameId ?? this.#gameId;
    if (!game) return Promise.reject(new CoinopError("GAME_ID_REQUIRED", "listPublicRooms needs a gameId"));
    return listPublicRooms(game, relayUrl ?? this.#relayUrl);
  }

  /** Leaves the room now (others see you quit at once) and closes the connection. */
  async leaveRoom(): Promise<void> {
    this.#session.leave();
  }
}

/** Creates an independent client. In a browser it leaves the page URL alone: it joins `roomCode`, or a new room. */
export function createClient(): CoinopClient {
  return new CoinopClient();
}

/** Creates the client behind the global functions: in a browser, it joins the page URL's `#r=` room and writes it there. */
export function createPageClient(): CoinopClient {
  const client = new CoinopClient();
  pageClients.add(client);
  return client;
}
