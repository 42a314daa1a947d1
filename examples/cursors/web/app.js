// Live cursors: every player's pointer is unreliable player state, drawn
// on everyone else's screen with the player's name and colour.
import { getRoomCode, insertCoin, leaveRoom, myPlayer, onPlayerJoin } from "coinop";
import { Cursors } from "./cursors.js";
import { followPointer } from "./pointer.js";

// sessionStorage: each tab is its own player, so two tabs of one browser
// show two cursors (with localStorage they would be the same player).
// Without a room in the link (#r=CODE), everyone meets in one shared room,
// so "open it in two tabs" just works.
// The lobby shows first; this resolves when the host presses Launch.
const linked = /[#&]r=[A-Za-z0-9_-]+/.test(location.hash);
await insertCoin({
  storage: sessionStorage,
  roomCode: linked ? undefined : "cursors",
  reconnectGracePeriod: 3000,
});

const board = document.getElementById("board");
const me = myPlayer();
const meLabel = document.getElementById("me");
meLabel.textContent = `You are ${me.getProfile().name}`;
meLabel.dataset.color = me.getProfile().color.hexString;
const link = `${location.origin}${location.pathname}#r=${getRoomCode()}`;
const share = document.getElementById("share");
share.append("Room link: ", Object.assign(document.createElement("a"), { href: link, textContent: link }));

const cursors = new Cursors(board, me.id);
onPlayerJoin((player) => cursors.add(player));
followPointer(board, (position) => me.setState("cursor", position, false));
// Closing the tab: leave at once, so the others' cursor goes now rather
// than after the grace period.
addEventListener("pagehide", () => void leaveRoom());
document.body.dataset.ready = "true";
