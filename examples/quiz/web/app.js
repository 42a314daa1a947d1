// Entry point: picks the screen from the page URL.
//   #r=1234     join quiz 1234 (rejoins at once if this browser already joined it)
//   #host=1234  this device's host reopens session 1234 (after a reload)
//   #key=…      import a host key, then list that host's sessions
import { getRoomCode, leaveRoom, onDisconnect, onStatusChange } from "coinop";
import { pageUrl } from "./config.js";
import { messageFor } from "./errors.js";
import { endQuestion, nextStep, runHostTimer, startGame } from "./host.js";
import { hostKeyLink, loadHostIdentity, parseHostKey, saveHostIdentity } from "./hostkey.js";
import { showHome } from "./home.js";
import { phase } from "./model.js";
import { answer } from "./player.js";
import { joinSession, reopenSession } from "./session.js";
import { $, copyText, setStatus, showError, showScreen } from "./ui.js";
import { startSessionView } from "./view.js";

/** Replaces the URL's fragment without a navigation (and without a hashchange event). */
function setHash(hash) {
  history.replaceState(null, "", pageUrl(hash));
}

function goHome() {
  setHash("");
  location.reload();
}

function enter(role) {
  const code = getRoomCode();
  setHash(role === "host" ? `host=${code}` : `r=${code}`);
  showScreen("session");
  startSessionView(role, role === "player" ? answer : () => {});
  onStatusChange((s) => setStatus(s.connection === "connected" ? "" : s.connection === "reconnecting" ? "Reconnecting…" : ""));
  onDisconnect((e) => {
    if (e.code === "CONNECTION_LOST") setStatus("Connection lost, reconnecting…");
    else showError("session-error", messageFor(e));
  });
  $("leave").addEventListener("click", async () => {
    if (role === "player") localStorage.removeItem("quiz.joined");
    await leaveRoom();
    goHome();
  });
  if (role === "host") enterHost(code);
  else enterPlayer();
}

function enterHost(code) {
  const identity = loadHostIdentity();
  $("host-panel").hidden = !identity;
  if (identity) $("host-key").value = hostKeyLink(identity);
  $("join-link").value = pageUrl(`r=${code}`);
  $("start").addEventListener("click", startGame);
  $("next").addEventListener("click", nextStep);
  $("end-now").addEventListener("click", endQuestion);
  $("copy-join").addEventListener("click", () => copyText($("join-link").value, $("join-link")));
  $("copy-key").addEventListener("click", () => copyText($("host-key").value, $("host-key")));
  runHostTimer();
}

function enterPlayer() {
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    const choice = Number.parseInt(event.key, 10) - 1;
    if (phase().name === "question" && choice >= 0 && choice < 4) answer(choice);
  });
}

async function main() {
  window.addEventListener("hashchange", () => location.reload());
  const hash = new URLSearchParams(location.hash.slice(1));
  const code = hash.get("r") ?? hash.get("host") ?? "";
  try {
    if (hash.has("key")) {
      saveHostIdentity(parseHostKey(hash.get("key") ?? ""));
      setHash(""); // the key is a secret: keep it out of the address bar and history
      return showHome(enter, { note: "Host key saved on this device." });
    }
    if (hash.has("host")) {
      setStatus("Reopening your session…");
      await reopenSession(code);
      setStatus("");
      return enter("host");
    }
    if (code && localStorage.getItem("quiz.joined") === code) {
      setStatus("Rejoining…");
      await joinSession(code, localStorage.getItem("quiz.name") ?? "Player");
      setStatus("");
      return enter("player");
    }
    showHome(enter, { code });
  } catch (e) {
    setStatus("");
    if (hash.has("key")) setHash("");
    showHome(enter, { code: hash.has("r") ? code : "", error: messageFor(e) });
  }
}

void main();
