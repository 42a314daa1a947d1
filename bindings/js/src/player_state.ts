import type { CoinopClient } from "./client.js";
import { toPlayerProfile, type PlayerProfile } from "./profile.js";

/** One player of the room, as in Playroom Kit. */
export class PlayerState {
  /** The player's stable id. */
  readonly id: string;
  readonly #client: CoinopClient;

  /** @internal */
  constructor(client: CoinopClient, id: string) {
    this.#client = client;
    this.id = id;
  }

  /** This player's value for `key`, or `undefined`. */
  getState<T = any>(key: string): T | undefined {
    return this.#client._backend()?.getPlayerState(this.id, key) as T | undefined;
  }

  /**
   * Sets this player's `key`. Any client may write any player's state.
   * Per-player state is unreliable by default (as in Playroom Kit): latest
   * value wins, not stored. Pass `reliable = true` to store it in the room.
   */
  setState(key: string, value: unknown, reliable = false): void {
    this.#client._requireBackend().setPlayerState(this.id, key, value, reliable);
  }

  /** The player's profile: name, colour, photo. */
  getProfile(): PlayerProfile {
    return toPlayerProfile(this.#client._backend()?.profile(this.id));
  }

  /** Calls `callback` when this player leaves (after the reconnect grace period). Returns an unsubscribe function. */
  onQuit(callback: (player: PlayerState) => void): () => void {
    return this.#client._onQuit(this.id, callback);
  }

  /** Host only: removes this player from the room. */
  async kick(): Promise<void> {
    this.#client._requireBackend().kick(this.id);
  }

  /** Leaves the room; only for your own player. */
  async leaveRoom(): Promise<void> {
    if (this.id !== this.#client._backend()?.myId()) {
      throw new Error("leaveRoom() is only for your own player; the host can kick() others");
    }
    await this.#client.leaveRoom();
  }

  /** Always `false`: coinop has no built-in bots (a Rust or JS client can play one). */
  isBot(): boolean {
    return false;
  }
}
