// Settings from the page URL's query string, so a test (or a party host) can
// change them without editing code:
//   ?seats=N    the host seats bots until the arena has N players (default 3)
//   ?wait=MS    how long a quick game waits for an open public room before
//               making one (default 3000; the relay caps it at 10 s)
//   ?relay=URL  another relay than the page's origin (development)

const params = new URLSearchParams(location.search);

function intParam(name, fallback, min, max) {
  const value = Number.parseInt(params.get(name) ?? "", 10);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Players (people and bots) the host keeps in the arena. */
export const MIN_PLAYERS = intParam("seats", 3, 0, 8);
/** Milliseconds a quick game waits for a public room with a free seat. */
export const MATCHMAKING_WAIT_MS = intParam("wait", 3000, 0, 10000);
/** Seats in a room: the TV takes none, bots take one each. */
export const MAX_PLAYERS = 8;
/** Seats in a quick game's public room. */
export const QUICK_GAME_PLAYERS = 4;
/** The game's name for matchmaking: quick games only meet quick games of this example. */
export const GAME_ID = "party-example";
/** The relay to use; `undefined` means the page's origin (coinop's default). */
export const RELAY_URL = params.get("relay") ?? undefined;
