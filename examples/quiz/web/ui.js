// Small DOM helpers shared by the screens.

/**
 * The element with this id (the page's markup defines them all).
 * @type {(id: string) => any}
 */
export const $ = (id) => document.getElementById(id);

/** Shows one top-level screen (`home` or `session`) and hides the other. */
export function showScreen(id) {
  for (const screen of document.querySelectorAll("main > section")) /** @type {HTMLElement} */ (screen).hidden = screen.id !== id;
}

/** Sets an error line's text; an empty string clears it. */
export function showError(id, text) {
  $(id).textContent = text;
}

/** The status line in the header (connection, saving). */
export function setStatus(text) {
  $("status").textContent = text;
}

/** Replaces a list's items with one `<li>` per entry, built by `fill(li, entry)`. */
export function fillList(list, entries, fill) {
  list.replaceChildren(
    ...entries.map((entry) => {
      const li = document.createElement("li");
      fill(li, entry);
      return li;
    }),
  );
}

/** Renders `ranking()` rows into an `<ol>`, marking `meId`'s row. */
export function renderLeaderboard(list, rows, meId) {
  fillList(list, rows, (li, row) => {
    li.dataset.playerId = row.id;
    if (row.id === meId) li.classList.add("me");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `${row.rank}. ${row.name}${row.id === meId ? " (you)" : ""}`;
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = String(row.score);
    li.append(name, score);
  });
}

/** Copies `text`, falling back to selecting `input` where the clipboard is unavailable. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input?.select();
    return false;
  }
}
