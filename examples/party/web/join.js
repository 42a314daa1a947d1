// The three ways into a game: the TV (a stream screen that shows the lobby's
// QR code), a phone that opened the TV's link, and a quick game found by
// matchmaking. Every client passes the bot options: whoever is host runs the bots.
import { insertCoin, myPlayer } from "coinop";
import { Joystick } from "coinop/joystick";
import { GAME_ID, MATCHMAKING_WAIT_MS, MAX_PLAYERS, MIN_PLAYERS, QUICK_GAME_PLAYERS, RELAY_URL } from "./config.js";
import { runHost } from "./host.js";
import { BOT_OPTIONS } from "./roamer.js";
import { showArena } from "./view.js";

/** The TV: no player seat, the lobby with the QR for phones, then the arena, big. */
export async function startTv() {
  await insertCoin({ relayUrl: RELAY_URL, streamMode: true, maxPlayersPerRoom: MAX_PLAYERS, ...BOT_OPTIONS });
  document.body.classList.add("tv");
  runHost({ minPlayers: MIN_PLAYERS });
  showArena();
}

/** A phone in the room of the link (`#r=CODE`): the lobby until the TV launches, then the joystick. */
export async function startPhone() {
  // onlyExisting: a mistyped or made-up link creates no room (ROOM_NOT_FOUND).
  await insertCoin({ relayUrl: RELAY_URL, onlyExisting: true, ...BOT_OPTIONS });
  play();
}

/**
 * A quick game: matchmaking seats this player in the fullest public room of
 * the game with a free seat, or makes one. No lobby: it starts at once. A
 * reload (`#r=CODE&quick`) rejoins the same room instead of matchmaking again.
 */
export async function startQuickGame(rejoin) {
  const matchmaking = rejoin ? {} : { matchmaking: { waitBeforeCreatingNewRoom: MATCHMAKING_WAIT_MS } };
  await insertCoin({ relayUrl: RELAY_URL, gameId: GAME_ID, skipLobby: true, maxPlayersPerRoom: QUICK_GAME_PLAYERS, ...matchmaking, ...BOT_OPTIONS });
  play();
}

function play() {
  document.body.classList.add("phone");
  const me = myPlayer();
  const pad = new Joystick(me, { keyboard: true });
  runHost({ ownPad: pad, ownId: me.id, minPlayers: MIN_PLAYERS });
  showArena(me.id);
}
