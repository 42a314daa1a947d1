// The stream screen's join badge: after the launch the lobby goes, but the
// TV keeps showing the room's QR code, link and code in a corner, as
// Playroom's stream screen does, so that a phone arriving late can join.
import type { Session } from "../session.js";
import { h } from "./dom.js";
import { qrSvg } from "./qr.js";
import { shareLink } from "./snapshot.js";

// `all: initial` keeps the page's styles out; rules the page writes for
// `coinop-join` itself still win over `:host`, so a game can move or hide it.
const BADGE_CSS = `
:host { all: initial; position: fixed; right: 16px; bottom: 16px; z-index: 2147482000; display: block; }
.badge { font: 14px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1f; background: #fff;
  border-radius: 12px; padding: 10px; box-shadow: 0 6px 24px rgba(0, 0, 0, .3); display: flex; gap: 10px; align-items: center; }
.qr { width: 112px; height: 112px; flex: none; }
.qr svg { width: 100%; height: 100%; display: block; }
.text { max-width: 16em; overflow-wrap: anywhere; }
.code { font: 700 1.4rem ui-monospace, Menlo, Consolas, monospace; letter-spacing: .08em; }
p { margin: 0 0 4px; }
a { color: #3b5bdb; font-size: .8rem; }
`;

/** Shows the badge for `session`'s room until the session ends; returns a function that removes it sooner. */
export function showJoinBadge(session: Session): () => void {
  const code = session.backend?.roomCode();
  if (!code) return () => {};
  const link = shareLink(code);
  const element = document.createElement("coinop-join");
  const root = element.attachShadow({ mode: "open" });
  const qr = h("div", { class: "qr", role: "img", "aria-label": "QR code to join this room" });
  const svg = qrSvg(link);
  if (svg) qr.append(svg);
  root.append(
    h("style", {}, BADGE_CSS),
    h(
      "aside",
      { class: "badge", "aria-label": "Join this game" },
      qr,
      h("div", { class: "text" }, h("p", {}, "Scan to join · room"), h("div", { class: "code" }, code), h("a", { href: link, target: "_blank", rel: "noopener" }, link)),
    ),
  );
  (document.body ?? document.documentElement).append(element);
  const remove = () => {
    stopLeave();
    stopEnd();
    element.remove();
  };
  // Gone with the room: left, or ended for good (the room deleted, say).
  const stopLeave = session.onLeave(remove);
  const stopEnd = session.onEvent((event) => {
    if (event.type === "disconnect" && event.fatal) remove();
  });
  return remove;
}
