// Room state keys the package keeps for itself (the lobby's launch flag).
// They live in the same room state map as the user's keys, so they persist
// and sync like any other, but the public API hides them: `getState`,
// `getStateKeys` and `onStateChange` never show them, `setState` refuses
// them, and `resetStates` keeps them.

/** Prefix of every reserved room state key. */
export const RESERVED_PREFIX = "coinop:";

/** Set (to `true`) by the host's Launch button; players who join later skip the lobby. */
export const LAUNCHED_KEY = `${RESERVED_PREFIX}launched`;

/** Whether `key` belongs to the package rather than the user. */
export function isReserved(key: string): boolean {
  return key.startsWith(RESERVED_PREFIX);
}
