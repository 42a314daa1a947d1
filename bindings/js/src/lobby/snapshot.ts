// What the lobby shows, read from the client in one go so that the view can
// skip re-rendering when nothing changed.
import type { CoinopClient } from "../client.js";

/** One row of the player list. */
export interface LobbyPlayer {
  id: string;
  name: string;
  /** `#rrggbb` */
  color: string;
  avatar: string;
  me: boolean;
  host: boolean;
}

/** Everything the lobby renders. */
export interface LobbySnapshot {
  roomCode: string;
  /** The page URL with `#r=CODE`. */
  link: string;
  players: LobbyPlayer[];
  amHost: boolean;
}

/** The share link: this page with the room in its hash. */
export function shareLink(roomCode: string): string {
  const loc = globalThis.location;
  return `${loc.origin}${loc.pathname}${loc.search}#r=${roomCode}`;
}

/** Reads the lobby's view of `client`'s room. */
export function snapshot(client: CoinopClient): LobbySnapshot {
  const backend = client._backend();
  const roomCode = client.getRoomCode() ?? "";
  const me = backend?.myId();
  const host = client.getHostId();
  return {
    roomCode,
    link: shareLink(roomCode),
    amHost: !!me && me === host,
    players: client.getPlayers().map((p) => {
      const raw = backend?.profile(p.id);
      return {
        id: p.id,
        name: raw?.name || "Player",
        color: p.getProfile().color.hexString,
        avatar: raw?.avatar ?? "",
        me: p.id === me,
        host: p.id === host,
      };
    }),
  };
}
