// The `PlayerState` objects of one session: one per player id, so that
// callers may compare players with `===` and keep them across events.
import { PlayerState } from "./player_state.js";
import type { Session } from "./session.js";

/** One `PlayerState` per player id of a session. */
export class Players {
  readonly #session: Session;
  readonly #byId = new Map<string, PlayerState>();

  constructor(session: Session) {
    this.#session = session;
  }

  /** The player `id`, seated or not. */
  get(id: string): PlayerState {
    let player = this.#byId.get(id);
    if (!player) {
      player = new PlayerState(this.#session, id);
      this.#byId.set(id, player);
    }
    return player;
  }

  /** The player `id` if seated. */
  seated(id: string): PlayerState | undefined {
    return this.#session.seated.includes(id) ? this.get(id) : undefined;
  }

  /** Every seated player, in seating order. */
  all(): PlayerState[] {
    return this.#session.seated.map((id) => this.get(id));
  }
}
