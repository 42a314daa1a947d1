// What a participant's page does: answer. The answer is the player's own
// reliable state, so it survives a reload and reaches the host exactly once.
import { getServerTime, myPlayer } from "coinop";
import { phase } from "./model.js";

/** The current answer to question `index`, or `undefined`. */
export function myAnswer(index) {
  const answer = myPlayer().getState("answer");
  return answer?.index === index ? answer : undefined;
}

/** Answers the current question with choice `choice`, once, before the deadline. */
export function answer(choice) {
  const now = phase();
  if (now.name !== "question" || myAnswer(now.index)) return;
  const at = getServerTime();
  if (at >= now.deadline) return;
  myPlayer().setState("answer", { index: now.index, choice, at }, true);
}
