// The share link as a QR code (uqr renders it; the SVG has no text from the link).
import { renderSVG } from "uqr";

/** An `<svg>` QR code of `text`, sized by its container. */
export function qrSvg(text: string): SVGSVGElement | null {
  const markup = renderSVG(text, { border: 2, ecc: "M" });
  const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
  const svg = doc.documentElement;
  if (!(svg instanceof SVGSVGElement)) return null;
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  return document.importNode(svg, true);
}
