// The live player list: avatar, colour, name, and a Kick button for the host.
import { avatarFace } from "./avatars.js";
import { h } from "./dom.js";
import type { LobbyPlayer, LobbySnapshot } from "./snapshot.js";

/** Whether dark text reads better than white on `#rrggbb`. */
function isLight(hex: string): boolean {
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 160;
}

function avatar(player: LobbyPlayer): HTMLElement {
  const face = avatarFace(player.avatar, player.name);
  const el = h("span", { class: "avatar", "aria-hidden": "true" });
  el.style.borderColor = player.color;
  if (face.image) el.append(h("img", { src: face.image, alt: "" }));
  else {
    el.textContent = face.text ?? "";
    if (!/^\p{Extended_Pictographic}/u.test(el.textContent)) {
      el.style.background = player.color;
      el.style.color = isLight(player.color) ? "#1b1b1f" : "#fff";
    }
  }
  return el;
}

/** Renders `view.players` into `list`; the host gets a Kick button on every other row. */
export function renderPlayers(list: HTMLUListElement, view: LobbySnapshot, onKick: (id: string) => void): void {
  // Keep keyboard focus on the same Kick button across re-renders.
  const focused = (list.getRootNode() as ShadowRoot).activeElement?.getAttribute("data-kick");
  list.replaceChildren(
    ...view.players.map((p) => {
      const kick =
        view.amHost && !p.me
          ? h("button", { type: "button", class: "small", "data-kick": p.id, "aria-label": `Kick ${p.name}`, onclick: () => onKick(p.id) }, "Kick")
          : null;
      return h(
        "li",
        { "data-player": p.id },
        avatar(p),
        h("span", { class: "pname" }, p.name),
        p.me && h("span", { class: "tag" }, "you"),
        p.host && h("span", { class: "tag" }, "host"),
        p.bot && h("span", { class: "tag" }, "bot"),
        kick,
      );
    }),
  );
  if (focused) list.querySelector<HTMLButtonElement>(`[data-kick="${CSS.escape(focused)}"]`)?.focus();
}
