// Sharing the room: its link with a Copy button, and a QR code of the link.
import { h } from "./dom.js";
import { qrSvg } from "./qr.js";

/** The share section; `update(link)` refreshes it when the link changes. */
export function shareSection(announce: (text: string) => void): { el: HTMLElement; update(link: string): void } {
  const qr = h("div", { class: "qr", role: "img", "aria-label": "QR code to join this room" });
  const input = h("input", { id: "coinop-link", readonly: true, spellcheck: "false" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      // No clipboard permission (or insecure origin): select the text for Ctrl+C.
      input.focus();
      input.select();
      announce("Press Ctrl+C to copy the link");
      return;
    }
    announce("Link copied");
  };
  const el = h(
    "div",
    { class: "share" },
    qr,
    h("div", { class: "link" }, h("label", { for: "coinop-link" }, "Share link"), h("div", { class: "row" }, input, h("button", { type: "button", onclick: copy }, "Copy"))),
  );
  let shown = "";
  return {
    el,
    update(link) {
      if (link === shown) return;
      shown = link;
      input.value = link;
      qr.replaceChildren(...[qrSvg(link)].filter((x): x is SVGSVGElement => !!x));
    },
  };
}
