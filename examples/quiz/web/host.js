// What only the host's page does: start, end each question when its time is
// up (the "alarm"), score, and move on. The deadline lives in the room state,
// so a host page that reloads (or reopens the session on another device)
// picks the timer up where it was.
import { getServerTime, setState } from "coinop";
import { answers, board, participants, phase, quiz } from "./model.js";
import { everyoneAnswered, scoreRound } from "./scoring.js";

const TICK_MS = 100;

function askQuestion(index) {
  setState("phase", { name: "question", index, deadline: getServerTime() + quiz().durationMs });
}

/** Starts the game with the participants present (they appear on the board with 0). */
export function startGame() {
  const players = participants();
  const scores = Object.fromEntries(players.map((p) => [p.id, 0]));
  const names = Object.fromEntries(players.map((p) => [p.id, p.getProfile().name]));
  setState("board", { scores, names });
  askQuestion(0);
}

/** Next question, or the final results after the last one. */
export function nextStep() {
  const now = phase();
  if (now.name !== "reveal") return;
  if (now.index + 1 < quiz().questions.length) askQuestion(now.index + 1);
  else setState("phase", { name: "final" });
}

/** Ends the current question now: scores it and reveals the answer. */
export function endQuestion() {
  const now = phase();
  if (now.name !== "question") return;
  const q = quiz();
  setState("board", scoreRound(board(), answers(), q.questions[now.index], now.index, now, q.durationMs));
  setState("phase", { name: "reveal", index: now.index });
}

/** Ends each question at its deadline, or as soon as everyone has answered. */
export function runHostTimer() {
  setInterval(() => {
    const now = phase();
    if (now.name !== "question") return;
    if (getServerTime() >= now.deadline || everyoneAnswered(answers(), now.index)) endQuestion();
  }, TICK_MS);
}
