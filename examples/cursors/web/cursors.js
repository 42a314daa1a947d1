// Draws the other players' cursors on the board, each with its player's
// name and colour, and removes a cursor when its player leaves.

const ARROW = "M2 2 L2 19 L7 14.5 L10.5 21 L13 20 L9.8 13.5 L16 13.5 Z";

/** A finite fraction in [0, 1], or undefined for anything else a peer sent. */
function fraction(v) {
  return typeof v === "number" && Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : undefined;
}

/** One remote player's cursor element. */
class Cursor {
  constructor(player, board) {
    this.player = player;
    this.board = board;
    this.el = document.createElement("div");
    this.el.className = "cursor";
    this.el.dataset.playerId = player.id;
    this.el.hidden = true;
    this.el.innerHTML = `<svg viewBox="0 0 22 22" aria-hidden="true"><path d="${ARROW}" stroke="#fff" stroke-width="1.5"/></svg><span class="name"></span>`;
    this.arrow = this.el.querySelector("path");
    this.label = this.el.querySelector(".name");
    board.append(this.el);
  }

  /** Applies the latest profile and position. */
  update(width, height) {
    const profile = this.player.getProfile();
    const color = profile.color?.hexString ?? "#666";
    if (this.label.textContent !== profile.name) this.label.textContent = profile.name;
    if (this.color !== color) {
      this.color = color;
      this.el.dataset.color = color;
      this.arrow.setAttribute("fill", color);
      this.label.style.background = color;
    }
    const at = this.player.getState("cursor");
    const x = fraction(at?.x);
    const y = fraction(at?.y);
    this.el.hidden = x === undefined || y === undefined;
    if (!this.el.hidden) this.el.style.transform = `translate(${x * width}px, ${y * height}px)`;
  }

  remove() {
    this.el.remove();
  }
}

/**
 * Keeps a cursor for every player but `myId` on `board`, redrawn once per
 * animation frame. `add(player)` starts one; it goes when the player quits.
 */
export class Cursors {
  constructor(board, myId) {
    this.board = board;
    this.myId = myId;
    this.cursors = new Map();
    const frame = () => {
      const { width, height } = board.getBoundingClientRect();
      for (const cursor of this.cursors.values()) cursor.update(width, height);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  /** Starts drawing `player`'s cursor (not our own: the system draws that). */
  add(player) {
    if (player.id === this.myId || this.cursors.has(player.id)) return;
    this.cursors.set(player.id, new Cursor(player, this.board));
    player.onQuit(() => {
      this.cursors.get(player.id)?.remove();
      this.cursors.delete(player.id);
    });
  }
}
