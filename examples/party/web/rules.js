// The arena's rules, as pure functions (positions are 0..1 on both axes,
// y pointing down, like the joystick's input).

/** Arena widths per second at a full push. */
export const SPEED = 0.45;
/** How close a dot's centre must come to the coin's to take it. */
export const PICKUP_RADIUS = 0.06;

const clamp01 = (v) => Math.min(1, Math.max(0, v));

/** Where a dot at `pos` is after `dtMs` with the stick at `input` ({ x, y }, each -1..1). */
export function step(pos, input, dtMs) {
  const dt = dtMs / 1000;
  return { x: clamp01(pos.x + (input.x ?? 0) * SPEED * dt), y: clamp01(pos.y + (input.y ?? 0) * SPEED * dt) };
}

/** A random spot away from the walls. */
export function randomSpot(random = Math.random) {
  return { x: 0.1 + 0.8 * random(), y: 0.1 + 0.8 * random() };
}

/** Whether a dot at `pos` takes the coin at `coin`. */
export function takesCoin(pos, coin) {
  return !!coin && Math.hypot(pos.x - coin.x, pos.y - coin.y) <= PICKUP_RADIUS;
}

/** How many bots to seat so that the arena holds `min` players, given `seated` (people and bots). */
export function botsNeeded(seated, min) {
  return Math.max(0, min - seated);
}

/** A wandering direction of unit length, at `angle` radians (0 is right). */
export function heading(angle) {
  return { x: Math.round(Math.cos(angle) * 1000) / 1000, y: Math.round(Math.sin(angle) * 1000) / 1000 };
}
