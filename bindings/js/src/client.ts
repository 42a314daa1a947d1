import type { Backend, BackendEvent, Status } from "./backend.js";
import { CoinopError, playroomCode, toCoinopError } from "./errors.js";
import { defaultStorage, readIdentity, writeIdentity, type Identity } from "./identity.js";
import { openLobby, wantsLobby } from "./lobby/open.js";
import { defaultRelayUrl, roomCodeFromUrl, writeRoomCodeToUrl, type InitOptions } from "./options.js";
import { PlayerState } from "./player_state.js";
import { defaultProfile } from "./profile.js";
import { isReserved, LAUNCHED_KEY } from "./reserved.js";
import { listMyRooms, type ListMyRoomsOptions, type MyRoom } from "./rooms.js";
import { Mode, toTarget, type Rpc, type RpcCallOptions, type RpcHandler, type RpcMode } from "./rpc.js";
import { createBackend } from "./wasm.js";

type Listener<A extends unknown[]> = (...args: A) => void;

/** Why the connection ended, for `onDisconnect`. */
export interface DisconnectEvent {
  code: string;
  reason: string;
}

function listeners<A extends unknown[]>() {
  const set = new Set<Listener<A>>();
  return {
    add(cb: Listener<A>): () => void {
      set.add(cb);
      return () => void set.delete(cb);
    },
    emit(...args: A) {
      for (const cb of [...set]) {
        try {
          cb(...args);
        } catch (e) {
          console.error("coinop: a listener threw", e);
        }
      }
    },
  };
}

/**
 * One client: one player in one room. The package's global functions are a
 * facade over a default client; create more with `createClient()` to run
 * several players in one process (tests, bots, load tools).
 */
export class CoinopClient {
  #backend?: Backend;
  #identity?: Identity;
  #relayUrl?: string;
  #joining?: Promise<void>;
  #players = new Map<string, PlayerState>();
  #seated: string[] = [];
  #rpcTimeout = 5000;
  #handlers = new Map<string, RpcHandler>();
  #join = listeners<[PlayerState]>();
  #quit = new Map<string, ReturnType<typeof listeners<[PlayerState]>>>();
  #state = listeners<[string, unknown, string | null]>();
  #playerState = listeners<[PlayerState, string, unknown, string | null]>();
  #host = listeners<[string | null]>();
  #status = listeners<[Status]>();
  #disconnect = listeners<[DisconnectEvent]>();
  #change = listeners<[]>();
  #left = listeners<[]>();

  /** The RPC API of this client: `register`, `call`, `Mode`. */
  readonly RPC: Rpc = {
    Mode,
    register: (name, handler) => {
      this.#handlers.set(name, handler);
      return () => {
        if (this.#handlers.get(name) === handler) this.#handlers.delete(name);
      };
    },
    call: (name, data, mode = Mode.ALL, callbackOrOptions) => this.#call(name, data, mode, callbackOrOptions),
  };

  /**
   * Joins (or creates) a room. Resolves when this player is in and holds the
   * room's state (with a lobby: when the host launches). Rejects with a
   * `CoinopError` (`ROOM_LIMIT_EXCEEDED`, `WRONG_SECRET`, ...) when refused.
   */
  insertCoin(options: InitOptions = {}, onLaunch?: () => void, onDisconnect?: (e: DisconnectEvent) => void): Promise<void> {
    if (this.#joining) return this.#joining;
    if (onDisconnect) this.#disconnect.add(onDisconnect);
    this.#joining = this.#start(options).then(() => onLaunch?.());
    this.#joining.catch(() => {
      this.#joining = undefined;
    });
    return this.#joining;
  }

  async #start(options: InitOptions): Promise<void> {
    if (options.WebSocket && !(globalThis as { WebSocket?: unknown }).WebSocket) {
      (globalThis as { WebSocket?: unknown }).WebSocket = options.WebSocket;
    }
    if (!(globalThis as { WebSocket?: unknown }).WebSocket) {
      throw new CoinopError("NO_WEBSOCKET", "no global WebSocket: pass insertCoin({ WebSocket }) (e.g. the 'ws' package) on Node 20");
    }
    this.#rpcTimeout = options.rpcTimeout ?? 5000;
    const storage = options.storage ?? defaultStorage();
    // Written before the Wasm core starts: it reads the identity from there.
    if (options.identity) writeIdentity(storage, options.identity, options.identityKey);
    const relayUrl = options.relayUrl ?? defaultRelayUrl();
    this.#relayUrl = relayUrl;
    const lobby = wantsLobby(options) ? openLobby(this) : undefined;
    let backend: Backend | undefined;
    try {
      backend = await createBackend(
        {
          relayUrl,
          roomCode: options.roomCode ?? roomCodeFromUrl(),
          maxPlayers: options.maxPlayersPerRoom,
          gracePeriodMs: options.reconnectGracePeriod,
          defaultStates: options.defaultStates,
          defaultPlayerStates: options.defaultPlayerStates,
          profile: options.profile,
          defaultProfile: defaultProfile(Math.floor(Math.random() * 1e6)),
          rpcTimeoutMs: this.#rpcTimeout,
          identityKey: options.identityKey,
        },
        storage,
      );
      this.#backend = backend;
      backend.onEvent((event) => this.#dispatch(event));
      await backend.ready();
    } catch (e) {
      this.#backend = undefined;
      backend?.free();
      const error = toCoinopError(e);
      lobby?.fail(error);
      throw error;
    }
    const stored = readIdentity(storage, options.identityKey);
    this.#identity = stored?.playerId === backend.myId() ? stored : undefined;
    for (const id of backend.players()) this.#seat(id);
    const code = backend.roomCode();
    if (code) writeRoomCodeToUrl(code);
    if (!lobby) return;
    try {
      if (!backend.getState(LAUNCHED_KEY)) await lobby.launched();
      lobby.close();
    } catch (e) {
      // Kicked or replaced while waiting: the session is over.
      await this.leaveRoom();
      throw toCoinopError(e);
    }
  }

  #seat(id: string): void {
    if (this.#seated.includes(id)) return;
    this.#seated.push(id);
    this.#join.emit(this.#player(id));
  }

  #player(id: string): PlayerState {
    let player = this.#players.get(id);
    if (!player) {
      player = new PlayerState(this, id);
      this.#players.set(id, player);
    }
    return player;
  }

  #dispatch(event: BackendEvent): void {
    switch (event.type) {
      case "state":
        // Reserved keys (the lobby's) reach only `_onAnyChange` listeners.
        if (!isReserved(event.key)) this.#state.emit(event.key, event.value, event.player);
        break;
      case "playerState":
        this.#playerState.emit(this.#player(event.player), event.key, event.value, event.by);
        break;
      case "join":
        // Joins before ready() are replayed from players() then.
        if (this.#seated.length > 0) this.#seat(event.player);
        break;
      case "quit": {
        this.#seated = this.#seated.filter((id) => id !== event.player);
        const player = this.#player(event.player);
        this.#quit.get(event.player)?.emit(player);
        this.#quit.delete(event.player);
        break;
      }
      case "host":
        this.#host.emit(event.host);
        break;
      case "status":
        this.#status.emit({ connection: event.connection, saved: event.saved });
        break;
      case "disconnect":
        this.#disconnect.emit({ code: playroomCode(event.code), reason: event.reason });
        break;
      case "rpc":
        void this.#serveRpc(event);
        break;
      case "error":
        console.warn(`coinop: ${event.code}: ${event.message}`);
        break;
    }
    this.#change.emit();
  }

  async #serveRpc(event: Extract<BackendEvent, { type: "rpc" }>): Promise<void> {
    const handler = this.#handlers.get(event.name);
    if (!handler) return;
    try {
      const result = await handler(event.payload, this.#player(event.from));
      if (event.wantReply && result !== undefined) this.#backend?.replyRpc(event.call, event.from, true, result);
    } catch (e) {
      if (event.wantReply) this.#backend?.replyRpc(event.call, event.from, false, e instanceof Error ? e.message : String(e));
    }
  }

  async #call(name: string, data: unknown, mode: RpcMode, callbackOrOptions?: ((response: any) => void) | RpcCallOptions): Promise<any> {
    const options = typeof callbackOrOptions === "object" ? callbackOrOptions : {};
    const backend = this._requireBackend();
    try {
      const response = await backend.callRpc(name, data ?? null, toTarget(mode), options.timeout ?? this.#rpcTimeout);
      if (typeof callbackOrOptions === "function") callbackOrOptions(response);
      return response;
    } catch (e) {
      throw toCoinopError(e);
    }
  }

  /** @internal */
  _backend(): Backend | undefined {
    return this.#backend;
  }

  /** @internal */
  _requireBackend(): Backend {
    if (!this.#backend) throw new CoinopError("NOT_JOINED", "call insertCoin() first");
    return this.#backend;
  }

  /** @internal */
  _onQuit(id: string, callback: (player: PlayerState) => void): () => void {
    let set = this.#quit.get(id);
    if (!set) {
      set = listeners<[PlayerState]>();
      this.#quit.set(id, set);
    }
    return set.add(callback);
  }

  /** Sets a room state key. Reliable by default: stored, merged, never lost. `reliable = false`: latest value wins, not stored (positions, cursors). */
  setState(key: string, value: unknown, reliable = true): void {
    if (isReserved(key)) throw new CoinopError("INVALID_KEY", `room state keys starting with "coinop:" are reserved`);
    this._requireBackend().setState(key, value, reliable);
  }

  /** A room state value, or `undefined`. */
  getState<T = any>(key: string): T | undefined {
    return isReserved(key) ? undefined : (this.#backend?.getState(key) as T | undefined);
  }

  /** The room state's keys. */
  getStateKeys(): string[] {
    return (this.#backend?.stateKeys() ?? []).filter((key) => !isReserved(key));
  }

  /** Adds `by` to a counter; concurrent increments from several players add up. */
  increment(key: string, by = 1): void {
    if (isReserved(key)) throw new CoinopError("INVALID_KEY", `room state keys starting with "coinop:" are reserved`);
    this._requireBackend().increment(key, by);
  }

  /** Resets room state to `defaultStates`, keeping the keys listed. */
  async resetStates(keysToExclude: string[] = []): Promise<void> {
    const backend = this._requireBackend();
    backend.resetStates([...keysToExclude, ...backend.stateKeys().filter(isReserved)]);
  }

  /** Resets every player's state to `defaultPlayerStates`, keeping the keys listed. */
  async resetPlayersStates(keysToExclude: string[] = []): Promise<void> {
    this._requireBackend().resetPlayersStates(keysToExclude);
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
        if (!value) return false;
        stop();
        callback?.(value);
        resolve(value);
        return true;
      };
      const stop = this.#change.add(check);
      check();
    });
  }

  /** Your own player. */
  myPlayer(): PlayerState {
    return this.#player(this._requireBackend().myId());
  }

  /** Your own player (alias of `myPlayer`). */
  me(): PlayerState {
    return this.myPlayer();
  }

  /** A seated player by id. */
  getPlayer(id: string): PlayerState | undefined {
    return this.#seated.includes(id) ? this.#player(id) : undefined;
  }

  /** Every seated player, in seating order. */
  getPlayers(): PlayerState[] {
    return this.#seated.map((id) => this.#player(id));
  }

  /** Calls `callback` for every player already in the room, then for each new one. Returns an unsubscribe function. */
  onPlayerJoin(callback: (player: PlayerState) => void): () => void {
    for (const id of this.#seated) callback(this.#player(id));
    return this.#join.add(callback);
  }

  /** Calls `callback(key, value, playerId)` on every room state change, local or remote. */
  onStateChange(callback: (key: string, value: unknown, playerId: string | null) => void): () => void {
    return this.#state.add(callback);
  }

  /** Calls `callback(player, key, value, byPlayerId)` on every per-player state change. */
  onPlayerStateChange(callback: (player: PlayerState, key: string, value: unknown, by: string | null) => void): () => void {
    return this.#playerState.add(callback);
  }

  /** Calls `callback(hostId)` when the host changes. */
  onHostChange(callback: (hostId: string | null) => void): () => void {
    return this.#host.add(callback);
  }

  /** Calls `callback` on every connection status change. */
  onStatusChange(callback: (status: Status) => void): () => void {
    return this.#status.add(callback);
  }

  /** Calls `callback` when the connection ends for good (kicked, refused) or drops (it then reconnects by itself). */
  onDisconnect(callback: (event: DisconnectEvent) => void): () => void {
    return this.#disconnect.add(callback);
  }

  /** @internal Fires when `leaveRoom()` ends the session; the lobby stops waiting then. */
  _onLeave(callback: () => void): () => void {
    return this.#left.add(callback);
  }

  /** @internal Fires on any event; used by the React hooks. */
  _onAnyChange(callback: () => void): () => void {
    return this.#change.add(callback);
  }

  /** Whether this player is the host. */
  isHost(): boolean {
    const backend = this.#backend;
    return !!backend && backend.hostId() === backend.myId();
  }

  /** The host's id. */
  getHostId(): string | undefined {
    return this.#backend?.hostId();
  }

  /** Host only: hands the host role to another seated player. */
  async transferHost(playerId: string): Promise<void> {
    this._requireBackend().transferHost(playerId);
  }

  /** The room's code (share it, or put it in the URL as `#r=CODE`). */
  getRoomCode(): string | undefined {
    return this.#backend?.roomCode();
  }

  /** `{ connection, saved }`: `saved` means no local change waits for the relay's acknowledgement. */
  getStatus(): Status {
    return this.#backend?.status() ?? { connection: "offline", saved: true };
  }

  /** The relay's clock estimate in ms since the Unix epoch, the same on every client: run countdowns on it. */
  getServerTime(): number {
    return this.#backend?.serverTime() ?? Date.now();
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
    const fromStorage = options.identity || options.storage || options.identityKey !== undefined;
    return listMyRooms({
      ...options,
      relayUrl: options.relayUrl ?? this.#relayUrl,
      identity: options.identity ?? (fromStorage ? undefined : this.#identity),
    });
  }

  /** Leaves the room now (others see you quit at once) and closes the connection. */
  async leaveRoom(): Promise<void> {
    const backend = this.#backend;
    if (!backend) return;
    backend.leave();
    this.#backend = undefined;
    this.#joining = undefined;
    this.#seated = [];
    this.#left.emit();
  }
}

/** Creates an independent client. */
export function createClient(): CoinopClient {
  return new CoinopClient();
}
