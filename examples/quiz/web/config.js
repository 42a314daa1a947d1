// Settings read from the page URL's query string, so that a host (or a test)
// can shorten a game without editing code:
//   ?t=SECONDS   time per question (default 20)
//   ?n=COUNT     number of questions (default: the whole built-in set)
//   ?max=COUNT   most participants per session (default 50)
//   ?relay=URL   another relay than the page's origin (development)

const params = new URLSearchParams(location.search);

function intParam(name, fallback, min, max) {
  const value = Number.parseInt(params.get(name) ?? "", 10);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Milliseconds each question lasts. */
export const QUESTION_MS = intParam("t", 20, 3, 300) * 1000;
/** How many questions of the built-in set a new session uses. */
export const QUESTION_COUNT = intParam("n", 99, 1, 99);
/** Participants per session; the host takes one more seat. */
export const MAX_PARTICIPANTS = intParam("max", 50, 1, 63);
/** The relay to use; `undefined` means the page's origin (coinop's default). */
export const RELAY_URL = params.get("relay") ?? undefined;
/** coinop keeps the host's identity apart from a participant's, so one browser can be both. */
export const HOST_IDENTITY_KEY = "quiz-host";
/** The identity participants join with. */
export const PLAYER_IDENTITY_KEY = "quiz-player";

/** This page's address with `hash`, keeping `?relay=` (a link for another device). */
export function pageUrl(hash) {
  const query = RELAY_URL ? `?relay=${encodeURIComponent(RELAY_URL)}` : "";
  return `${location.origin}${location.pathname}${query}${hash ? `#${hash}` : ""}`;
}
