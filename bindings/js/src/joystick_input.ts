// What a joystick reports, as it travels in the player's state: the pure
// part of `coinop/joystick`, shared by the page that draws the joystick and
// every client that reads another player's input.

/** A button (or a zone at an edge of the stick) of the joystick. */
export interface ButtonOptions {
  /** The id `isPressed(id)` takes. */
  id?: string;
  /** Text on the button. */
  label?: string;
  /** An image URL shown on the button. */
  icon?: string;
}

/** Buttons pressed by pushing the stick all the way to one side. */
export interface ZoneOptions {
  up?: ButtonOptions;
  down?: ButtonOptions;
  left?: ButtonOptions;
  right?: ButtonOptions;
}

/** `new Joystick(player, options)`. */
export interface JoystickOptions {
  /** `angular` (default): any angle; `dpad`: four directions. */
  type?: "angular" | "dpad";
  /** Buttons beside the stick. */
  buttons?: ButtonOptions[];
  /** Buttons at the stick's four edges. */
  zones?: ZoneOptions;
  /** W, A, S, D (and the arrow keys) move the stick too. */
  keyboard?: boolean;
}

/** The player state key the input is kept under. */
export const JOYSTICK_KEY = "coinop:joystick";

/** The input as stored: stick offset (`x` right, `y` down, each -1..1), whether the stick is held, pressed button ids. */
export interface JoystickInput {
  x: number;
  y: number;
  held: boolean;
  buttons: string[];
}

export const IDLE: JoystickInput = { x: 0, y: 0, held: false, buttons: [] };

/** How far (0..1) the stick must move to count as a direction. */
const DEAD_ZONE = 0.3;
/** How far it must move to press a zone. */
const ZONE_REACH = 0.8;

/** Clamps a raw offset to the unit circle, and snaps it to one axis for a d-pad. */
export function stickOffset(dx: number, dy: number, type: JoystickOptions["type"]): { x: number; y: number } {
  const length = Math.hypot(dx, dy);
  let [x, y] = length > 1 ? [dx / length, dy / length] : [dx, dy];
  if (type === "dpad") [x, y] = Math.abs(x) >= Math.abs(y) ? [x, 0] : [0, y];
  return { x, y };
}

/** Playroom's `dpad()`: the stick's direction on each axis. */
export function dpadOf(input: JoystickInput): { x?: "left" | "right"; y?: "up" | "down" } {
  const result: { x?: "left" | "right"; y?: "up" | "down" } = {};
  if (input.x <= -DEAD_ZONE) result.x = "left";
  if (input.x >= DEAD_ZONE) result.x = "right";
  if (input.y <= -DEAD_ZONE) result.y = "up";
  if (input.y >= DEAD_ZONE) result.y = "down";
  return result;
}

/**
 * Playroom's `angle()`, in radians: `atan2(x, y)` with `y` pointing down
 * the screen, so `Math.sin(angle)` is the horizontal and `Math.cos(angle)`
 * the vertical part of the push (right is π/2, down 0, up ±π).
 */
export function angleOf(input: JoystickInput): number {
  return Math.atan2(input.x, input.y);
}

/** The zone ids the stick presses at its edges. */
export function zonesPressed(zones: ZoneOptions | undefined, x: number, y: number): string[] {
  if (!zones || Math.hypot(x, y) < ZONE_REACH) return [];
  const side = Math.abs(x) >= Math.abs(y) ? (x > 0 ? zones.right : zones.left) : y > 0 ? zones.down : zones.up;
  return side?.id ? [side.id] : [];
}

/** Reads a stored value back as input; anything else is the idle stick. */
export function asInput(value: unknown): JoystickInput {
  const v = value as Partial<JoystickInput> | undefined;
  if (!v || typeof v !== "object") return IDLE;
  const num = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? Math.max(-1, Math.min(1, n)) : 0);
  return {
    x: num(v.x),
    y: num(v.y),
    held: v.held === true,
    buttons: Array.isArray(v.buttons) ? v.buttons.filter((b): b is string => typeof b === "string") : [],
  };
}
