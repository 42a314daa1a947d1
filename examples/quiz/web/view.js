// The session screen, the same for host and participants: everything on it
// is drawn from the room state, so every page shows the same game and a
// reloaded page shows where the game is at once.
import { getRoomCode, getServerTime, myPlayer, onPlayerJoin, onPlayerStateChange, onStateChange } from "coinop";
import { myAnswer } from "./player.js";
import { board, participants, phase, quiz } from "./model.js";
import { ranking } from "./scoring.js";
import { $, fillList, renderLeaderboard } from "./ui.js";

const LETTERS = ["A", "B", "C", "D", "E", "F"];
let shownQuestion = -1;

/** Draws the session screen for `role` ("host" | "player"); `onChoice(i)` answers. */
export function startSessionView(role, onChoice) {
  document.body.dataset.role = role;
  document.body.dataset.playerId = myPlayer().id;
  $("session-code").textContent = getRoomCode() ?? "";
  const draw = () => render(role, onChoice);
  onStateChange(draw);
  onPlayerStateChange(draw);
  onPlayerJoin((player) => {
    draw();
    player.onQuit(draw);
  });
  setInterval(renderTimer, 100);
  draw();
}

function render(role, onChoice) {
  const q = quiz();
  if (!q) return;
  const now = phase();
  const me = myPlayer().id;
  const rows = ranking(board());
  for (const part of ["lobby", "question", "reveal", "final"]) $(`phase-${part}`).hidden = now.name !== part;
  $("my-name").textContent = role === "host" ? "You are the host" : `You are ${myPlayer().getProfile().name}`;
  $("my-score").textContent = role === "host" ? "" : `Score: ${board().scores[me] ?? 0}`;
  $("board-section").hidden = now.name === "lobby";
  renderLeaderboard($("leaderboard"), rows, me);
  const present = participants();
  fillList($("participants"), present, (li, p) => (li.textContent = p.getProfile().name + (p.id === me ? " (you)" : "")));
  $("participant-count").textContent = `${present.length} ${present.length === 1 ? "participant" : "participants"}`;
  $("start").disabled = present.length === 0;
  if (now.name === "question") renderQuestion(role, q, now, onChoice);
  if (now.name === "reveal") renderReveal(role, q, now);
  if (now.name === "final") renderFinal(role, rows, me);
  renderTimer();
}

function renderQuestion(role, q, now, onChoice) {
  const question = q.questions[now.index];
  $("progress").textContent = `Question ${now.index + 1} of ${q.questions.length}`;
  if (shownQuestion !== now.index) {
    shownQuestion = now.index;
    $("question-text").textContent = question.text;
    $("choices").replaceChildren(
      ...question.choices.map((text, i) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.dataset.choice = String(i);
        button.textContent = `${LETTERS[i]}. ${text}`;
        button.addEventListener("click", () => onChoice(i));
        return button;
      }),
    );
    $("question-text").focus();
  }
  const mine = role === "player" ? myAnswer(now.index) : undefined;
  const over = getServerTime() >= now.deadline;
  for (const button of $("choices").children) {
    button.disabled = role === "host" || !!mine || over;
    button.setAttribute("aria-pressed", String(mine?.choice === Number(button.dataset.choice)));
  }
  const answered = participants().filter((p) => p.getState("answer")?.index === now.index).length;
  $("answer-note").textContent =
    role === "host" ? `${answered} of ${participants().length} answered` : mine ? "Answer locked in. Waiting for the others…" : "Pick an answer (keys 1–4).";
}

function renderReveal(role, q, now) {
  const question = q.questions[now.index];
  $("reveal-title").textContent = `Question ${now.index + 1}: ${question.text}`;
  $("reveal-answer").textContent = `Answer: ${LETTERS[question.answer]}. ${question.choices[question.answer]}`;
  const last = board().last;
  const me = myPlayer().id;
  if (role === "player") {
    const gained = last?.index === now.index ? last.gained[me] : undefined;
    const chose = last?.choices?.[me];
    $("reveal-you").textContent = gained ? `Right! +${gained} points` : chose === undefined ? "No answer this time." : "Not this time.";
  } else {
    $("reveal-you").textContent = "";
  }
  $("next").textContent = now.index + 1 < q.questions.length ? "Next question" : "Show final results";
}

function renderFinal(role, rows, me) {
  const winner = rows[0];
  const mine = rows.find((r) => r.id === me);
  $("final-summary").textContent = !winner
    ? "Nobody played."
    : role === "player" && mine
      ? `You finished #${mine.rank} of ${rows.length} with ${mine.score} points. ${winner.name} won!`
      : `${winner.name} won with ${winner.score} points!`;
}

/** The countdown: remaining = deadline − server time, the same on every screen. */
function renderTimer() {
  const now = phase();
  if (now.name !== "question") return;
  const remaining = Math.max(0, now.deadline - getServerTime());
  const timer = $("timer");
  timer.textContent = `${Math.ceil(remaining / 1000)} s`;
  // For tests and tools: the exact value, and when (wall clock, not Date.now()) it was drawn.
  timer.dataset.remainingMs = String(Math.round(remaining));
  timer.dataset.at = String(Math.round(performance.timeOrigin + performance.now()));
  const durationMs = quiz()?.durationMs ?? 1;
  $("timer-bar").style.width = `${(100 * remaining) / durationMs}%`;
  if (remaining === 0) for (const button of $("choices").children) button.disabled = true;
}
