// One client's session: the Wasm room of the current join, the players it
// seats, and the events of both. `PlayerState`, the RPC endpoint and the
// lobby receive the session; `CoinopClient` is the public front over it.
import type { Backend, BackendEvent } from "./backend.js";
import { CoinopError, playroomCode } from "./errors.js";
import { Listeners } from "./listeners.js";

/** Why the connection ended, for `onDisconnect`. */
export interface DisconnectEvent {
  code: string;
  reason: string;
}

/** The Wasm room of one client while joined, with its seats and events. */
export class Session {
  #backend?: Backend;
  #seated: string[] = [];
  readonly #events = new Listeners<[BackendEvent]>();
  readonly #seat = new Listeners<[string]>();
  readonly #quit = new Map<string, Listeners<[]>>();
  readonly #change = new Listeners<[]>();
  readonly #left = new Listeners<[]>();
  #rpcTimeoutMs = 5000;
  readonly #bots = new Map<string, object>();

  /** The Wasm room, while joined (or joining). */
  get backend(): Backend | undefined {
    return this.#backend;
  }

  /** The Wasm room; throws `NOT_JOINED` when there is none. */
  require(): Backend {
    if (!this.#backend) throw new CoinopError("NOT_JOINED", "call insertCoin() first");
    return this.#backend;
  }

  /** The default wait of an RPC call, in ms (`insertCoin`'s `rpcTimeout`). */
  get rpcTimeoutMs(): number {
    return this.#rpcTimeoutMs;
  }

  /** Whether `seatAll` ran for the current room: later joins are seated one by one. */
  #ready = false;

  /** The seated players' ids, in seating order. */
  get seated(): readonly string[] {
    return this.#seated;
  }

  /** Follows `backend`'s events from now on: attach before `ready()`, so that none is missed. */
  attach(backend: Backend, rpcTimeoutMs: number): void {
    this.#backend = backend;
    this.#rpcTimeoutMs = rpcTimeoutMs;
    backend.onEvent((event) => this.#dispatch(event));
  }

  /** Forgets a room that failed to join (the caller frees it). */
  detach(): void {
    this.#backend = undefined;
    this.#ready = false;
  }

  /** Seats everyone the ready room holds; joins seen before were not seated one by one. */
  seatAll(): void {
    this.#ready = true;
    for (const id of this.require().players()) this.#seatOne(id);
  }

  /** Leaves the room now and ends the session. */
  leave(): void {
    const backend = this.#backend;
    if (!backend) return;
    backend.leave();
    this.#backend = undefined;
    this.#seated = [];
    this.#left.emit();
  }

  /** The bot instance this client runs for seat `id` (set by the bot runner). */
  bot(id: string): object | undefined {
    return this.#bots.get(id);
  }

  /** Records (or, with `undefined`, forgets) the bot instance this client runs for seat `id`. */
  setBot(id: string, bot: object | undefined): void {
    if (bot) this.#bots.set(id, bot);
    else this.#bots.delete(id);
  }

  /** Calls `callback` with every event of the Wasm room. */
  onEvent(callback: (event: BackendEvent) => void): () => void {
    return this.#events.add(callback);
  }

  /** Calls `callback(id)` when a player takes a seat. */
  onSeat(callback: (id: string) => void): () => void {
    return this.#seat.add(callback);
  }

  /** Calls `callback` once, when player `id` leaves. */
  onQuit(id: string, callback: () => void): () => void {
    let set = this.#quit.get(id);
    if (!set) {
      set = new Listeners<[]>();
      this.#quit.set(id, set);
    }
    return set.add(callback);
  }

  /** Calls `callback` after every event, once every other listener has seen it. */
  onChange(callback: () => void): () => void {
    return this.#change.add(callback);
  }

  /** Calls `callback` when `leave()` ends the session. */
  onLeave(callback: () => void): () => void {
    return this.#left.add(callback);
  }

  /** Calls `callback` when the connection ends or drops, with Playroom Kit's codes. */
  onDisconnect(callback: (event: DisconnectEvent) => void): () => void {
    return this.onEvent((event) => {
      if (event.type === "disconnect") callback({ code: playroomCode(event.code), reason: event.reason });
    });
  }

  /** Calls `callback` with every error the room reports while it goes on (a write the room's rules refused, say). */
  onError(callback: (error: CoinopError) => void): () => void {
    return this.onEvent((event) => {
      if (event.type === "error") callback(new CoinopError(playroomCode(event.code), event.message));
    });
  }

  #seatOne(id: string): void {
    if (this.#seated.includes(id)) return;
    this.#seated.push(id);
    this.#seat.emit(id);
  }

  #dispatch(event: BackendEvent): void {
    // Joins before ready() are seated by seatAll() then.
    // Stream screens and spectators are in the roster but are not players.
    if (event.type === "join" && event.role === "player" && this.#ready) this.#seatOne(event.player);
    if (event.type === "quit") this.#seated = this.#seated.filter((id) => id !== event.player);
    if (event.type === "error") console.warn(`coinop: ${event.code}: ${event.message}`);
    this.#events.emit(event);
    if (event.type === "quit") {
      this.#quit.get(event.player)?.emit();
      this.#quit.delete(event.player);
    }
    this.#change.emit();
  }
}
