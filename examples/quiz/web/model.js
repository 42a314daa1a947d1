// Reads the quiz out of the room state. Keys (all reliable, all written by
// the host's page except the players' own "answer" and "role"):
//   quiz   { owner, createdMs, durationMs, questions: [{ text, choices, answer }] }
//   phase  { name: "lobby" } | { name: "question", index, deadline } |
//          { name: "reveal", index } | { name: "final" }   (deadline in server time)
//   board  { scores: { id: points }, names: { id: name }, last: { index, gained, choices } }
// Per player: role = "player" (a participant), answer = { index, choice, at }.
import { getPlayers, getState } from "coinop";

/** The quiz's fixed part, or `undefined` outside a quiz room. */
export const quiz = () => getState("quiz");
/** Where the game stands. */
export const phase = () => getState("phase") ?? { name: "lobby" };
/** Scores and names so far. */
export const board = () => getState("board") ?? { scores: {}, names: {} };

/** The seated participants: not the host, not a code check. */
export function participants() {
  const owner = quiz()?.owner;
  return getPlayers().filter((p) => p.id !== owner && p.getState("role") === "player");
}

/** `[{ id, name, answer }]` for the seated participants, as `scoreRound` takes them. */
export function answers() {
  return participants().map((p) => ({ id: p.id, name: p.getProfile().name, answer: p.getState("answer") }));
}
