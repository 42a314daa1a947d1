// The start screen: join with a code and a name, create a session, see this
// host's past sessions, import a host key from another device.
import { messageFor } from "./errors.js";
import { deleteSession, loadHostIdentity, parseHostKey, pastSessions, saveHostIdentity } from "./hostkey.js";
import { createSession, joinSession, reopenSession } from "./session.js";
import { $, fillList, showError, showScreen } from "./ui.js";

/** Runs `action` with `button` disabled and `busyText` on it; errors go to `errorId`. */
async function busy(button, busyText, errorId, action) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  showError(errorId, "");
  try {
    return await action();
  } catch (e) {
    showError(errorId, messageFor(e));
    return undefined;
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/** Fills the past-sessions list from the relay's index of the host identity. */
export async function refreshSessions(enter) {
  const identity = loadHostIdentity();
  const list = $("sessions");
  showError("sessions-error", "");
  if (!identity) {
    $("sessions-note").textContent = "Sessions you host show up here, on any device where you open your host key.";
    list.replaceChildren();
    return;
  }
  $("sessions-note").textContent = "Loading your sessions…";
  try {
    const sessions = await pastSessions(identity);
    $("sessions-note").textContent = sessions.length ? "" : "No sessions yet.";
    fillList(list, sessions, (li, s) => {
      li.dataset.code = s.roomCode;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "reopen";
      button.textContent = `Reopen ${s.roomCode}`;
      button.addEventListener("click", () =>
        busy(button, "Opening…", "sessions-error", async () => {
          await reopenSession(s.roomCode);
          enter("host");
        }),
      );
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = `Quiz ${s.roomCode}, last opened ${new Date(s.lastJoinedMs).toLocaleString()}`;
      li.append(when, button, deleteButton(identity, s.roomCode, enter));
    });
  } catch (e) {
    $("sessions-note").textContent = "";
    showError("sessions-error", messageFor(e));
  }
}

/** A Delete button for session `code`: the first press asks, the second deletes it for good. */
function deleteButton(identity, code, enter) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "delete";
  button.textContent = "Delete";
  button.setAttribute("aria-label", `Delete quiz ${code}`);
  button.addEventListener("click", () => {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Really delete?";
      return;
    }
    void busy(button, "Deleting…", "sessions-error", async () => {
      await deleteSession(identity, code);
      await refreshSessions(enter);
    });
  });
  return button;
}

/** Shows the start screen; `enter(role)` switches to the session once joined. */
export function showHome(enter, { code = "", error = "", note = "" } = {}) {
  showScreen("home");
  $("join-code").value = code;
  $("join-name").value = localStorage.getItem("quiz.name") ?? "";
  showError("home-error", error);
  $("key-note").textContent = note;
  (code ? $("join-name") : $("join-code")).focus();

  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const joinCode = $("join-code").value.trim();
    const name = $("join-name").value.trim();
    if (!/^[0-9]{4}$/.test(joinCode)) return showError("join-error", messageFor({ code: "BAD_CODE" }));
    if (!name) return showError("join-error", messageFor({ code: "NO_NAME" }));
    busy($("join-submit"), "Joining…", "join-error", async () => {
      await joinSession(joinCode, name);
      localStorage.setItem("quiz.name", name);
      localStorage.setItem("quiz.joined", joinCode);
      enter("player");
    });
  });
  $("create").addEventListener("click", () =>
    busy($("create"), "Creating…", "create-error", async () => {
      await createSession();
      enter("host");
    }),
  );
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    try {
      saveHostIdentity(parseHostKey($("key-input").value));
    } catch (e) {
      return showError("key-error", messageFor(e));
    }
    showError("key-error", "");
    $("key-input").value = "";
    $("key-note").textContent = "Host key saved on this device.";
    void refreshSessions(enter);
  });
  void refreshSessions(enter);
}
