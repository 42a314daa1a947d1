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
  /** A bot seat (`addBot()`, or the lobby's Add bot button). */
  bot: boolean;
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
  /** The host may seat a bot from the lobby: bots are on and a seat is free. */
  canAddBot: boolean;
}

/** What the lobby knows of bots: on or off, and the room's cap as `insertCoin` asked for it. */
export interface LobbyBots {
  enabled: boolean;
  /** `maxPlayersPerRoom`; unknown (the relay still refuses a bot in a full room) when not given. */
  maxPlayers?: number;
}

/** The share link: this page with the room in its hash. */
export function shareLink(roomCode: string): string {
  const loc = globalThis.location;
  return `${loc.origin}${loc.pathname}${loc.search}#r=${roomCode}`;
}

/** Reads the lobby's view of `session`'s room. */
export function snapshot(session: Session, bots: LobbyBots = { enabled: false }): LobbySnapshot {
  const backend = session.backend;
  const roomCode = backend?.roomCode() ?? "";
  const me = backend?.myId();
  const host = backend?.hostId();
  const amHost = !!me && me === host;
  // Bots take seats like players (Playroom's rule): none when the room is full.
  const seatFree = bots.maxPlayers === undefined || session.seated.length < bots.maxPlayers;
  return {
    roomCode,
    link: shareLink(roomCode),
    amHost,
    watching: !!backend && backend.role() !== "player",
    canAddBot: amHost && bots.enabled && seatFree,
    players: session.seated.map((id) => {
      const raw = backend?.profile(id);
      return {
        id,
        name: raw?.name || "Player",
        color: toPlayerProfile(raw).color.hexString,
        avatar: raw?.avatar ?? "",
        me: id === me,
        host: id === host,
        bot: !!backend?.isBot(id),
      };
    }),
  };
}
