// Playroom Kit's `Bot` base class: game code extends it, and the host's
// client runs one instance per bot seat (see bot_runner.ts).
import { CoinopError } from "./errors.js";
import type { PlayerProfile } from "./profile.js";

/** The bot's own player, as its seat's client sees it (a `PlayerState`). */
interface BotSeat {
  readonly id: string;
  getState<T = any>(key: string): T | undefined;
  setState(key: string, value: unknown, reliable?: boolean): void;
  getProfile(): PlayerProfile;
  onQuit(callback: (player: any) => void): () => void;
}

/** What a bot is attached to: the client of its seat, and the host's act of removing it. */
export interface BotLink {
  seat: BotSeat;
  kick(): Promise<void>;
}

/**
 * A bot player: extend it and pass the class as `insertCoin({ enableBots:
 * true, botOptions: { botClass } })`; `addBot()` seats one. The bot is a
 * player of its own (own state and profile, `isBot()` true everywhere),
 * run by the host's client: its constructor runs there only, and when the
 * host changes, the new host's client takes the seat over with a new
 * instance (the seat's state stays in the room).
 */
export class Bot {
  /** `botOptions.botParams`, as given to `insertCoin`. */
  readonly botParams: any;
  #link?: BotLink;

  constructor(botParams?: any) {
    this.botParams = botParams;
  }

  /** @internal Called once the bot's seat is taken, before `onReady`. */
  _attach(link: BotLink): void {
    this.#link = link;
  }

  #seat(): BotSeat {
    if (!this.#link) throw new CoinopError("NOT_JOINED", "the bot has not taken its seat yet (use it from onReady())");
    return this.#link.seat;
  }

  /** Called once the bot holds its seat and the room's state; override it to start playing. */
  onReady(): void {}

  /** The bot's player id. */
  get id(): string {
    return this.#seat().id;
  }

  /** The bot's value for `key`. */
  getState<T = any>(key: string): T | undefined {
    return this.#seat().getState<T>(key);
  }

  /** Sets the bot's `key` (unreliable by default, as a player's state). */
  setState(key: string, value: unknown, reliable = false): void {
    this.#seat().setState(key, value, reliable);
  }

  /** The bot's profile. */
  getProfile(): PlayerProfile {
    return this.#seat().getProfile();
  }

  /** Calls `callback(player)` when the bot leaves the room. Returns an unsubscribe function. */
  onQuit(callback: (player: any) => void): () => void {
    return this.#seat().onQuit(callback);
  }

  /** Removes the bot from the room (the host's client does it). */
  kick(): Promise<void> {
    if (!this.#link) return Promise.reject(new CoinopError("NOT_JOINED", "the bot has not taken its seat yet"));
    return this.#link.kick();
  }

  /** Always `true`. */
  isBot(): boolean {
    return true;
  }
}
