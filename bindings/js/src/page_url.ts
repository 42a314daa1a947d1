// The room in the page URL (`#r=CODE`), as Playroom Kit keeps it: a shared
// link or a reload joins the same room. Only the default client follows the
// URL; clients from `createClient()` (bots, probes, tests) leave it alone.

/** The room code in the page URL (`#r=CODE`), if any. */
export function roomCodeFromUrl(): string | undefined {
  const hash = (globalThis as { location?: Location }).location?.hash ?? "";
  const match = /[#&]r=([A-Za-z0-9_-]+)/.exec(hash);
  return match?.[1];
}

/** The room to join: for a client that follows the page, the URL's `#r=` wins over `roomCode` (Playroom Kit's rule). */
export function roomToJoin(roomCode: string | undefined, followsPage: boolean): string | undefined {
  return (followsPage ? roomCodeFromUrl() : undefined) ?? roomCode;
}

/**
 * Puts `r=CODE` in the page URL's hash (keeping its other `&` parts), so that
 * a reload or a shared link joins the same room. `replaceState` adds no
 * history entry and fires no `hashchange` for the page's own router.
 */
export function writeRoomCodeToUrl(code: string): void {
  const g = globalThis as { location?: Location; history?: History; document?: unknown };
  if (!g.location || !g.document || roomCodeFromUrl() === code) return;
  const rest = g.location.hash.replace(/^#/, "").split("&").filter((part) => part && !part.startsWith("r="));
  const hash = `#${[`r=${code}`, ...rest].join("&")}`;
  try {
    g.history?.replaceState(g.history.state, "", hash);
  } catch {
    g.location.hash = hash;
  }
  if (roomCodeFromUrl() !== code) g.location.hash = hash;
}
