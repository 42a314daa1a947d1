// Pure game rules, with no coinop or DOM in sight (unit-tested in Node).

/** Points for a right answer, before the speed bonus. */
export const BASE_POINTS = 500;
/** The most a fast answer adds: all of it at the start, none at the deadline. */
export const SPEED_BONUS = 500;

/**
 * Points for one answer. `answer` is a player's `{ index, choice, at }`
 * (`at` in server time); only an answer to this question, given before the
 * deadline, counts.
 */
export function pointsFor(answer, question, index, phase, durationMs) {
  if (!answer || answer.index !== index || answer.choice !== question.answer) return 0;
  if (typeof answer.at !== "number" || answer.at > phase.deadline) return 0;
  const left = Math.min(1, Math.max(0, (phase.deadline - answer.at) / durationMs));
  return BASE_POINTS + Math.round(SPEED_BONUS * left);
}

/**
 * The board after question `index`: `previous` plus this round's points.
 * `answers` is `[{ id, name, answer }]`, one per participant present.
 */
export function scoreRound(previous, answers, question, index, phase, durationMs) {
  const scores = { ...(previous?.scores ?? {}) };
  const names = { ...(previous?.names ?? {}) };
  const gained = {};
  const choices = {};
  for (const { id, name, answer } of answers) {
    const points = pointsFor(answer, question, index, phase, durationMs);
    scores[id] = (scores[id] ?? 0) + points;
    names[id] = name;
    gained[id] = points;
    if (answer?.index === index) choices[id] = answer.choice;
  }
  return { scores, names, last: { index, gained, choices } };
}

/** Rows `{ id, name, score, rank }`, best first; ties share a rank and sort by name. */
export function ranking(board) {
  const rows = Object.entries(board?.scores ?? {}).map(([id, score]) => ({ id, name: board.names?.[id] ?? "?", score }));
  rows.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  let rank = 0;
  return rows.map((row, i) => {
    if (i === 0 || row.score !== rows[i - 1].score) rank = i + 1;
    return { ...row, rank };
  });
}

/** Whether every participant in `answers` has answered question `index`. */
export function everyoneAnswered(answers, index) {
  return answers.length > 0 && answers.every(({ answer }) => answer?.index === index);
}

/** A random 4-digit code, `0000`–`9999`; `random` is injectable for tests. */
export function randomCode(random = Math.random) {
  return String(Math.floor(random() * 10000)).padStart(4, "0");
}
