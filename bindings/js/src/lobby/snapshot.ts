// What the lobby shows, read from the session in one go so that the view can
// skip re-rendering when nothing changed.
import { toPlayerProfile } from "../profile.js";
import type { Session } from "../session.js";

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
  /** A stream screen or spectator: not a player, so no profile of its own to edit. */
  watching: boolean;
}

/** The share link: this page with the room in its hash. */
export function shareLink(roomCode: string): string {
  const loc = globalThis.location;
  return `${loc.origin}${loc.pathname}${loc.search}#r=${roomCode}`;
}

/** Reads the lobby's view of `session`'s room. */
export function snapshot(session: Session): LobbySnapshot {
  const backend = session.backend;
  const roomCode = backend?.roomCode() ?? "";
  const me = backend?.myId();
  const host = backend?.hostId();
  return {
    roomCode,
    link: shareLink(roomCode),
    amHost: !!me && me === host,
    watching: !!backend && backend.role() !== "player",
    players: session.seated.map((id) => {
      const raw = backend?.profile(id);
      return {
        id,
        name: raw?.name || "Player",
        color: toPlayerProfile(raw).color.hexString,
        avatar: raw?.avatar ?? "",
        me: id === me,
        host: id === host,
      };
    }),
  };
}
