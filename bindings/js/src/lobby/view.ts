// The lobby's DOM: a <coinop-lobby> element whose open shadow root holds a
// modal dialog. Phases: joining → lobby (live) → removed on launch, or an
// error message (room full, kicked, …) with a Close button.
import type { RawProfile } from "../backend.js";
import { h } from "./dom.js";
import { myProfileForm } from "./me.js";
import { renderPlayers } from "./players.js";
import { shareSection } from "./share.js";
import type { LobbySnapshot } from "./snapshot.js";
import { LOBBY_CSS } from "./styles.js";

/** What the lobby's controls do. */
export interface LobbyActions {
  launch(): void;
  /** Seats a bot (host only, bots on); rejects with a `CoinopError`. */
  addBot(): Promise<unknown>;
  kick(playerId: string): void;
  saveProfile(profile: Partial<RawProfile>): void;
}

/** The lobby's element and its updates. */
export class LobbyView {
  /** The `<coinop-lobby>` element (append it to the page). */
  readonly element: HTMLElement;
  readonly #root: ShadowRoot;
  readonly #card: HTMLElement;
  readonly #title = h("h2", { id: "coinop-title" }, "Joining…");
  readonly #status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  readonly #body = h("div", { hidden: true });
  readonly #list = h("ul", { "aria-labelledby": "coinop-players" });
  readonly #count = h("h3", { id: "coinop-players" }, "Players");
  readonly #actions = h("div", { class: "actions", hidden: true });
  readonly #error = h("div", { class: "error", role: "alert", hidden: true });
  readonly #me;
  readonly #share;
  readonly #do: LobbyActions;
  #shown = "";
  /** What the actions bar shows now: the host's buttons (and whether Add bot is there), or the wait. */
  #actionsShown?: string;

  constructor(actions: LobbyActions) {
    this.#do = actions;
    this.element = document.createElement("coinop-lobby");
    this.#root = this.element.attachShadow({ mode: "open" });
    this.#me = myProfileForm((p) => actions.saveProfile(p));
    this.#share = shareSection((text) => this.#announce(text));
    this.#body.append(this.#count, this.#list, this.#me.el, h("h3", {}, "Invite"), this.#share.el);
    this.#card = h(
      "section",
      { class: "card", role: "dialog", "aria-modal": "true", "aria-labelledby": "coinop-title", tabindex: "-1" },
      h("div", { class: "scroll" }, this.#title, this.#status, this.#body),
      this.#actions,
      this.#error,
    );
    this.#card.addEventListener("keydown", (e) => this.#onKey(e));
    this.#root.append(h("style", {}, LOBBY_CSS), h("div", { class: "backdrop" }, this.#card));
  }

  /** Moves keyboard focus into the dialog (not onto an input: that would open a phone's keyboard). */
  focus(): void {
    this.#card.focus();
  }

  /** Renders the room; cheap when nothing changed. */
  show(view: LobbySnapshot, myProfile: RawProfile | undefined): void {
    if (myProfile) this.#me.update(myProfile);
    const key = JSON.stringify(view);
    if (key === this.#shown) return;
    this.#shown = key;
    this.#title.replaceChildren("Room ", h("span", { class: "code" }, view.roomCode));
    this.#body.hidden = false;
    this.#count.textContent = `Players (${view.players.length})`;
    this.#me.el.hidden = view.watching;
    renderPlayers(this.#list, view, (id) => this.#do.kick(id));
    this.#share.update(view.link);
    const actions = `${view.amHost}/${view.canAddBot}`;
    if (actions !== this.#actionsShown) {
      this.#actionsShown = actions;
      this.#actions.hidden = false;
      this.#actions.replaceChildren(
        ...(view.amHost
          ? [...(view.canAddBot ? [this.#addBotButton()] : []), h("button", { type: "button", class: "primary", onclick: () => this.#do.launch() }, "Launch")]
          : [h("p", { class: "waiting" }, "Waiting for the host to launch…")]),
      );
    }
  }

  /** Playroom's "🤖 +": seats a bot; a refusal (the room filled up) is announced. */
  #addBotButton(): HTMLButtonElement {
    const button = h("button", { type: "button", class: "bot", "aria-label": "Add bot" }, "🤖 Add bot");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await this.#do.addBot();
        this.#announce("Bot added");
      } catch (e) {
        const code = (e as { code?: string }).code;
        this.#announce(code === "ROOM_LIMIT_EXCEEDED" ? "The room is full: no seat for a bot" : `Could not add a bot (${code ?? e})`);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  /** Replaces the lobby with `title`, `message` and a Close button. */
  fail(title: string, message: string): void {
    this.#title.textContent = title;
    this.#status.textContent = "";
    this.#body.hidden = true;
    this.#actions.hidden = true;
    const close = h("button", { type: "button", onclick: () => this.remove() }, "Close");
    this.#error.replaceChildren(h("p", {}, message), close);
    this.#error.hidden = false;
    close.focus();
  }

  /** Takes the lobby off the page. */
  remove(): void {
    this.element.remove();
  }

  #announce(text: string): void {
    this.#status.textContent = text;
    setTimeout(() => this.#status.textContent === text && (this.#status.textContent = ""), 3000);
  }

  #onKey(e: KeyboardEvent): void {
    if (e.key === "Escape" && !this.#error.hidden) {
      this.remove();
      return;
    }
    if (e.key !== "Tab") return;
    // Keep Tab inside the dialog: the page behind it is not usable yet.
    const items = [...this.#card.querySelectorAll<HTMLElement>("button, input, select")].filter((el) => el.offsetParent !== null);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = this.#root.activeElement;
    if (e.shiftKey && (active === first || active === this.#card)) {
      last.focus();
      e.preventDefault();
    } else if (!e.shiftKey && active === last) {
      first.focus();
      e.preventDefault();
    }
  }
}
