// The host key: the host's coinop identity (player id + secret) written as
// one string, so that the host can carry it to another device. Whoever holds
// it can act as this host, so it is shown with a warning.
import { deleteMyRoom, listMyRooms } from "coinop";
import { appError } from "./errors.js";
import { pageUrl, RELAY_URL } from "./config.js";

const STORAGE_KEY = "quiz.hostIdentity";

/** The host identity saved on this device, or `undefined`. */
export function loadHostIdentity() {
  try {
    return parseHostKey(localStorage.getItem(STORAGE_KEY) ?? "");
  } catch {
    return undefined;
  }
}

/** Saves the host identity (from `getIdentity()` or an imported key). */
export function saveHostIdentity(identity) {
  localStorage.setItem(STORAGE_KEY, formatHostKey(identity));
}

/** `<player id>.<secret hex>`: ids never contain a dot. */
export function formatHostKey({ playerId, secret }) {
  return `${playerId}.${secret}`;
}

/** The link that imports the key: this page with `#key=…`. */
export function hostKeyLink(identity) {
  return pageUrl(`key=${formatHostKey(identity)}`);
}

/** Reads a host key, or a whole host key link; throws `BAD_HOST_KEY`. */
export function parseHostKey(text) {
  const key = /key=([^&\s]+)/.exec(text)?.[1] ?? text.trim();
  const match = /^([A-Za-z0-9_-]{1,64})\.((?:[0-9a-fA-F]{2}){16,64})$/.exec(decodeURIComponent(key));
  if (!match) throw appError("BAD_HOST_KEY");
  return { playerId: match[1], secret: match[2].toLowerCase() };
}

/**
 * The sessions this host identity created, newest first, from the relay's
 * per-player room index (no room is joined to read it).
 */
export async function pastSessions(identity) {
  const rooms = await listMyRooms({ relayUrl: RELAY_URL, identity });
  return rooms.filter((r) => r.host && /^[0-9]{4}$/.test(r.roomCode)).sort((a, b) => b.lastJoinedMs - a.lastJoinedMs);
}

/**
 * Deletes session `code` for good: the room, its answers and scores, and its
 * row in every participant's index. Only the identity that created it may
 * (the relay answers `NOT_OWNER` otherwise); anyone still in it is
 * disconnected with `ROOM_DELETED`.
 */
export async function deleteSession(identity, code) {
  await deleteMyRoom(code, { relayUrl: RELAY_URL, identity });
}
