// The host's part, on whichever client is host (the TV, or the first phone
// of a quick game, or whoever takes over): it moves every dot from its
// player's stick input, hands out the coin and the points, and seats a bot
// when the arena has fewer players than it should (an empty seat).
import { addBot, getPlayers, getState, isHost, setState } from "coinop";
import { Joystick } from "coinop/joystick";
import { botsNeeded, randomSpot, step, takesCoin } from "./rules.js";

const TICK_MS = 50;
const FILL_EVERY_MS = 1000;
/** How long a new bot's seat may take to show among the players. */
const SEAT_WAIT_MS = 3000;

/**
 * Runs the host's loop for as long as the page lives. `ownPad` is this
 * client's own Joystick (a phone's), so its input is read without drawing a
 * second stick; `minPlayers` is how many players the host keeps seated.
 */
export function runHost({ ownPad, ownId, minPlayers }) {
  const pads = new Map();
  const positions = new Map();
  const inputOf = (player) => {
    if (player.isBot()) return player.getState("steer") ?? { x: 0, y: 0 };
    if (player.id === ownId) return ownPad.input();
    if (!pads.has(player.id)) pads.set(player.id, new Joystick(player));
    return pads.get(player.id).input();
  };

  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const dt = Math.min(now - last, 4 * TICK_MS);
    last = now;
    if (!isHost()) {
      // Another client runs the game; start from the room's positions if this one takes over.
      positions.clear();
      return;
    }
    let coin = getState("coin");
    if (!coin) setState("coin", (coin = randomSpot()));
    for (const player of getPlayers()) {
      const from = positions.get(player.id) ?? player.getState("pos") ?? randomSpot();
      const to = step(from, inputOf(player), dt);
      if (!positions.has(player.id) || to.x !== from.x || to.y !== from.y) player.setState("pos", to);
      positions.set(player.id, to);
      if (takesCoin(to, coin)) {
        player.setState("score", (player.getState("score") ?? 0) + 1, true);
        setState("coin", (coin = randomSpot()));
      }
    }
  }, TICK_MS);

  let filling = false;
  setInterval(async () => {
    if (filling || !isHost()) return;
    filling = true;
    try {
      for (let n = botsNeeded(getPlayers().length, minPlayers); n > 0; n--) await seatBot();
    } catch (e) {
      console.warn("could not seat a bot:", e.code ?? e);
    } finally {
      filling = false;
    }
  }, FILL_EVERY_MS);
}

/** Seats one bot and waits until its seat is among the players, so the next count includes it. */
async function seatBot() {
  const bot = await addBot();
  const until = performance.now() + SEAT_WAIT_MS;
  while (!getPlayers().some((p) => p.id === bot.id) && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
