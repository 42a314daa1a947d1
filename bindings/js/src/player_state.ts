import type { Bot } from "./bot.js";
import { CoinopError } from "./errors.js";
import { toPlayerProfile, type PlayerProfile } from "./profile.js";
import type { Session } from "./session.js";

/** One player of the room, as in Playroom Kit. */
export class PlayerState {
  /** The player's stable id. */
  readonly id: string;
  readonly #session: Session;

  /** @internal */
  constructor(session: Session, id: string) {
    this.#session = session;
    this.id = id;
  }

  /** @internal Whether this is the local client's own player. */
  get _isLocal(): boolean {
    return this.#session.backend?.myId() === this.id;
  }

  /** This player's value for `key`, or `undefined`. */
  getState<T = any>(key: string): T | undefined {
    return this.#session.backend?.getPlayerState(this.id, key) as T | undefined;
  }

  /**
   * Sets this player's `key`. Any client may write any player's state.
   * Per-player state is unreliable by default (as in Playroom Kit): latest
   * value wins, not stored. Pass `reliable = true` to store it in the room.
   */
  setState(key: string, value: unknown, reliable = false): void {
    this.#session.require().setPlayerState(this.id, key, value, reliable);
  }

  /** The player's profile: name, colour, photo. */
  getProfile(): PlayerProfile {
    return toPlayerProfile(this.#session.backend?.profile(this.id));
  }

  /** Calls `callback` when this player leaves (after the reconnect grace period). Returns an unsubscribe function. */
  onQuit(callback: (player: PlayerState) => void): () => void {
    return this.#session.onQuit(this.id, () => callback(this));
  }

  /** Host only: removes this player from the room. */
  async kick(): Promise<void> {
    this.#session.require().kick(this.id);
  }

  /** Leaves the room; only for your own player (else rejects with `NOT_OWN_PLAYER`). */
  async leaveRoom(): Promise<void> {
    if (this.id !== this.#session.backend?.myId()) {
      throw new CoinopError("NOT_OWN_PLAYER", "leaveRoom() is only for your own player; the host can kick() others");
    }
    this.#session.leave();
  }

  /** Whether this seat is a bot (seated with `addBot()`, or a program that joined as a bot). */
  isBot(): boolean {
    return this.#session.backend?.isBot(this.id) ?? false;
  }

  /** The `Bot` instance behind this seat, on the client that runs it (the host's); `undefined` elsewhere. */
  get bot(): Bot | undefined {
    return this.#session.bot(this.id) as Bot | undefined;
  }
}
