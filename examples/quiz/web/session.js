// Joining a quiz's room, as its host or as a participant. The room code is
// the quiz code; the room state holds the whole quiz (see README).
import { createClient, getIdentity, getState, insertCoin, leaveRoom, memoryStorage, myPlayer, setState } from "coinop";
import { HOST_IDENTITY_KEY, MAX_PARTICIPANTS, PLAYER_IDENTITY_KEY, QUESTION_COUNT, QUESTION_MS, RELAY_URL } from "./config.js";
import { appError, withTimeout } from "./errors.js";
import { loadHostIdentity, saveHostIdentity } from "./hostkey.js";
import { QUESTIONS } from "./questions.js";
import { randomCode } from "./scoring.js";

const JOIN_TIMEOUT_MS = 15000;
/** The host takes a seat too. */
const MAX_PLAYERS = MAX_PARTICIPANTS + 1;

function join(code, extra) {
  const options = { relayUrl: RELAY_URL, roomCode: code, skipLobby: true, maxPlayersPerRoom: MAX_PLAYERS, ...extra };
  return withTimeout(insertCoin(options), JOIN_TIMEOUT_MS);
}

/**
 * Whether room `code` already holds a quiz. Asked by a throwaway player (its
 * own client and in-memory identity), so the host's identity never enters a
 * room it does not own and its list of past sessions stays clean. The probe
 * joins only a room that exists (`onlyExisting`): a free code is answered
 * `ROOM_NOT_FOUND` and the relay stores nothing, so the host's own join
 * creates the room and makes the host its owner.
 */
async function holdsQuiz(code) {
  const probe = createClient();
  const options = { relayUrl: RELAY_URL, roomCode: code, onlyExisting: true, skipLobby: true, storage: memoryStorage() };
  try {
    await withTimeout(probe.insertCoin(options), JOIN_TIMEOUT_MS);
    return probe.getState("quiz") !== undefined;
  } catch (e) {
    if (e.code === "ROOM_NOT_FOUND") return false;
    if (e.code === "ROOM_LIMIT_EXCEEDED") return true;
    throw e;
  } finally {
    await probe.leaveRoom();
  }
}

function hostOptions() {
  const identity = loadHostIdentity();
  return { identityKey: HOST_IDENTITY_KEY, profile: { name: "Host" }, ...(identity ? { identity } : {}) };
}

/** Creates a session under a fresh 4-digit code and joins it as host; resolves to the code. */
export async function createSession() {
  for (let attempt = 0; attempt < 10; attempt++) {
    const code = randomCode();
    if (await holdsQuiz(code)) continue;
    await join(code, hostOptions());
    // Another host may have claimed the same code since the check.
    const existing = getState("quiz");
    if (existing && existing.owner !== myPlayer().id) {
      await leaveRoom();
      continue;
    }
    // Kept by the app too, for the host key link and for listing sessions without joining.
    const identity = getIdentity();
    if (identity) saveHostIdentity(identity);
    if (!existing) {
      const questions = QUESTIONS.slice(0, QUESTION_COUNT);
      setState("quiz", { owner: myPlayer().id, createdMs: Date.now(), durationMs: QUESTION_MS, questions });
      setState("phase", { name: "lobby" });
      setState("board", { scores: {}, names: {} });
    }
    return code;
  }
  throw appError("NO_FREE_CODE");
}

/** Reopens a session this device's host identity created. */
export async function reopenSession(code) {
  if (!loadHostIdentity()) throw appError("NO_HOST_KEY");
  await join(code, hostOptions());
  const quiz = getState("quiz");
  if (!quiz || quiz.owner !== myPlayer().id) {
    await leaveRoom();
    throw appError(quiz ? "NOT_OWNER" : "NO_QUIZ");
  }
}

/** Joins session `code` as a participant named `name`; a code no room has is `ROOM_NOT_FOUND` (nothing is created). */
export async function joinSession(code, name) {
  await join(code, { identityKey: PLAYER_IDENTITY_KEY, profile: { name }, onlyExisting: true });
  const quiz = getState("quiz");
  if (!quiz) {
    await leaveRoom();
    throw appError("NO_QUIZ");
  }
  if (quiz.owner === myPlayer().id) return;
  // Marks a quiz participant, as opposed to the host or a code check.
  myPlayer().setState("role", "player", true);
}
