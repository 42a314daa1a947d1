/**
 * `coinop/joystick`: Playroom Kit's `Joystick`, a touch joystick with
 * buttons whose input lands in the player's state.
 *
 * ```ts
 * import { myPlayer, onPlayerJoin } from "coinop";
 * import { Joystick } from "coinop/joystick";
 *
 * // On the phone: draws the stick and a button, writes their input.
 * const pad = new Joystick(myPlayer(), { buttons: [{ id: "jump", label: "Jump" }] });
 * // On any client (the host, a stream screen): reads a player's input.
 * onPlayerJoin((p) => { const j = new Joystick(p); setInterval(() => move(p, j.angle(), j.isPressed("jump")), 16); });
 * ```
 *
 * The input is per-player state under `coinop:joystick`, sent unreliably
 * (latest value wins, never stored), as Playroom Kit sends player state.
 *
 * @packageDocumentation
 */
import { angleOf, asInput, dpadOf, IDLE, JOYSTICK_KEY, stickOffset, zonesPressed, type JoystickInput, type JoystickOptions } from "./joystick_input.js";
import { showJoystick, type RawInput } from "./joystick_view.js";
import type { PlayerState } from "./player_state.js";

export type { ButtonOptions, JoystickInput, JoystickOptions, ZoneOptions } from "./joystick_input.js";
export { JOYSTICK_KEY } from "./joystick_input.js";

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * A joystick for `player`. For this client's own player in a page, it draws
 * the controls (bottom of the screen) and writes their input into the
 * player's state; for any other player it reads the input that player's
 * joystick writes.
 */
export class Joystick {
  readonly #player: PlayerState;
  readonly #options: JoystickOptions;
  #input: JoystickInput = IDLE;
  #remove?: () => void;

  constructor(player: PlayerState, options: JoystickOptions = {}) {
    this.#player = player;
    this.#options = options;
    const page = typeof document !== "undefined" && !!document.body;
    if (page && player._isLocal) this.#remove = showJoystick(options, (raw) => this.#changed(raw));
  }

  #changed(raw: RawInput): void {
    const { x, y } = stickOffset(raw.dx, raw.dy, this.#options.type);
    const buttons = [...raw.buttons, ...zonesPressed(this.#options.zones, x, y)];
    const input = { x: round(x), y: round(y), held: raw.held, buttons };
    if (JSON.stringify(input) === JSON.stringify(this.#input)) return;
    this.#input = input;
    this.#write(input);
  }

  #write(input: JoystickInput): void {
    try {
      this.#player.setState(JOYSTICK_KEY, input, false);
    } catch {
      // Offline: the next input after reconnecting carries the latest state.
    }
  }

  #current(): JoystickInput {
    return this.#remove ? this.#input : asInput(this.#player.getState(JOYSTICK_KEY));
  }

  /** Whether the button (or zone) `id` is held. */
  isPressed(id: string): boolean {
    return this.#current().buttons.includes(id);
  }

  /** Whether the stick is held. */
  isJoystickPressed(): boolean {
    return this.#current().held;
  }

  /** The stick's angle in radians: `Math.sin(angle)` is its push to the right, `Math.cos(angle)` down (right is π/2). */
  angle(): number {
    return angleOf(this.#current());
  }

  /** The stick's direction per axis: `{ x: "left" | "right" | undefined, y: "up" | "down" | undefined }`. */
  dpad(): { x?: "left" | "right"; y?: "up" | "down" } {
    return dpadOf(this.#current());
  }

  /** The stick's offset, each axis -1..1 (`y` down), and what is held. */
  input(): JoystickInput {
    return this.#current();
  }

  /** Removes the controls (the input returns to rest). */
  destroy(): void {
    if (!this.#remove) return;
    this.#remove();
    this.#remove = undefined;
    this.#input = IDLE;
    this.#write(IDLE);
  }
}
