// The entry point: the URL's hash says what this page is.
//   #tv              the TV (tv.html sends you here)
//   #r=CODE          a phone joining that room (the link in the TV's QR code)
//   #quick           a quick game (matchmaking); #r=CODE&quick is its room after a reload
//   (nothing)        the start screen
import { startPhone, startQuickGame, startTv } from "./join.js";

const $ = (id) => document.getElementById(id);
const flags = new Set(location.hash.replace(/^#/, "").split("&"));
const roomInUrl = /[#&]r=[A-Za-z0-9_-]+/.test(location.hash);

function fail(e) {
  console.warn(e);
  $("error").hidden = false;
  const messages = { ROOM_LIMIT_EXCEEDED: "This game is full.", ROOM_NOT_FOUND: "There is no game with that link." };
  $("error").textContent = messages[e?.code] ?? `Could not join: ${e?.code ?? e}`;
}

if (flags.has("tv")) {
  startTv().catch(fail);
} else if (flags.has("quick")) {
  startQuickGame(roomInUrl).catch(fail);
} else if (roomInUrl) {
  startPhone().catch(fail);
} else {
  $("home").hidden = false;
  $("quick").addEventListener("click", () => {
    $("quick").disabled = true;
    $("quick").textContent = "Finding a game…";
    history.replaceState(null, "", `${location.search}#quick`);
    startQuickGame(false).catch(fail);
  });
}
