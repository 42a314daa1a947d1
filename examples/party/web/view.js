// The arena on screen, drawn from the room's state alone (every client, the
// host's too): a dot per player at its "pos", the coin, and the scores.
import { getPlayers, getRoomCode, getState } from "coinop";

const FRAME_MS = 50;
const $ = (id) => document.getElementById(id);

/** Shows the game screen and redraws it every frame; `myId` is this phone's player (none on the TV). */
export function showArena(myId) {
  $("home").hidden = true;
  $("game").hidden = false;
  const link = `${location.origin}${location.pathname}${location.search}#r=${getRoomCode()}`;
  $("join-link").href = link;
  $("join-link").textContent = link;
  $("room-code").textContent = getRoomCode();
  if (myId) document.body.dataset.playerId = myId;
  setInterval(() => draw(myId), FRAME_MS);
}

function draw(myId) {
  const arena = $("arena");
  const players = getPlayers();
  const here = new Set(players.map((p) => p.id));
  for (const dot of arena.querySelectorAll(".dot")) if (!here.has(dot.dataset.id)) dot.remove();
  for (const player of players) placeDot(arena, player, player.id === myId);
  place($("coin"), getState("coin"));

  const ranked = players.map((p) => ({ p, score: p.getState("score") ?? 0 })).sort((a, b) => b.score - a.score);
  $("scores").replaceChildren(...ranked.map(({ p, score }) => {
    const li = document.createElement("li");
    li.dataset.id = p.id;
    li.dataset.score = String(score);
    li.textContent = `${label(p, p.id === myId)}: ${score}`;
    return li;
  }));
  const me = players.find((p) => p.id === myId);
  if (me) $("me").textContent = `You are ${me.getProfile().name} (the dot with the thick ring) · score ${me.getState("score") ?? 0}`;
}

function label(player, mine) {
  return `${player.getProfile().name}${player.isBot() ? " (bot)" : ""}${mine ? " (you)" : ""}`;
}

function placeDot(arena, player, mine) {
  let dot = arena.querySelector(`.dot[data-id="${player.id}"]`);
  if (!dot) {
    dot = document.createElement("div");
    dot.className = "dot";
    dot.dataset.id = player.id;
    dot.dataset.bot = String(player.isBot());
    dot.append(Object.assign(document.createElement("span"), { className: "name" }));
    arena.append(dot);
  }
  dot.style.background = player.getProfile().color.hexString;
  if (mine) dot.style.outline = "4px solid #1d1d1f";
  dot.querySelector(".name").textContent = label(player, mine);
  place(dot, player.getState("pos"));
}

/** Puts `el` at `pos` (0..1 on both axes), or hides it when there is none yet. */
function place(el, pos) {
  el.hidden = !pos;
  if (!pos) return;
  // Inset by a dot's radius, so that a dot at a wall stays whole on screen.
  el.style.left = `calc(${pos.x} * (100% - 28px) + 14px)`;
  el.style.top = `calc(${pos.y} * (100% - 28px) + 14px)`;
  el.dataset.x = pos.x.toFixed(3);
  el.dataset.y = pos.y.toFixed(3);
}
