// The relay's per-player room index (`GET /players/{id}/rooms`), readable
// without joining a room: a host dashboard lists its rooms first.
import type { IdentityStorage } from "./backend.js";
import { CoinopError } from "./errors.js";
import { checkIdentity, defaultStorage, readIdentity, type Identity } from "./identity.js";
import { defaultRelayUrl } from "./options.js";

/** One room in the player's index. */
export interface MyRoom {
  roomCode: string;
  /** Whether this player created the room (was its first host). */
  host: boolean;
  /** When this player last joined it, in ms since the Unix epoch. */
  lastJoinedMs: number;
}

/** Options of `listMyRooms`. */
export interface ListMyRoomsOptions {
  /** The relay (`ws(s)://` or `http(s)://`). Default: as `insertCoin`'s. */
  relayUrl?: string;
  /** The identity to list rooms for. Default: the one `insertCoin` stored in `storage`. */
  identity?: Identity;
  /** Where to read the identity from (default as `insertCoin`'s: `localStorage`). */
  storage?: IdentityStorage;
  /** As `insertCoin`'s `identityKey`. */
  identityKey?: string;
}

/** The relay's HTTP base for a relay URL: `ws://h:1/ws` → `http://h:1`. */
export function httpBase(relayUrl: string): string {
  const base = relayUrl.trim().replace(/\/+$/, "").replace(/\/ws$/, "");
  const m = /^(wss?|https?):\/\/(.+)$/.exec(base);
  if (!m) throw new CoinopError("INVALID_URL", `not a relay URL: ${relayUrl}`);
  const scheme = m[1] === "wss" || m[1] === "https" ? "https" : "http";
  return `${scheme}://${m[2]}`;
}

/** Fetches the rooms `options`' identity has joined, most recent first as the relay orders them. */
export async function listMyRooms(options: ListMyRoomsOptions = {}): Promise<MyRoom[]> {
  const identity = options.identity
    ? checkIdentity(options.identity)
    : readIdentity(options.storage ?? defaultStorage(), options.identityKey);
  if (!identity) {
    throw new CoinopError("NO_IDENTITY", "no stored identity: join a room first, or pass listMyRooms({ identity })");
  }
  const url = `${httpBase(options.relayUrl ?? defaultRelayUrl())}/players/${encodeURIComponent(identity.playerId)}/rooms`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${identity.secret}` } });
  } catch (e) {
    throw new CoinopError("NETWORK_ERROR", `cannot reach the relay at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (response.status === 401) {
    throw new CoinopError("UNAUTHORIZED", "the relay does not know this player id with this secret");
  }
  if (!response.ok) {
    throw new CoinopError("RELAY_ERROR", `the relay answered ${response.status} for ${url}`);
  }
  let rows: unknown;
  try {
    rows = await response.json();
  } catch {
    throw new CoinopError("RELAY_ERROR", "the relay's room index is not JSON");
  }
  if (!Array.isArray(rows)) throw new CoinopError("RELAY_ERROR", "the relay's room index is not a list");
  return rows.flatMap((row: { room?: unknown; host?: unknown; last_joined_ms?: unknown }) =>
    typeof row?.room === "string" ? [{ roomCode: row.room, host: row.host === true, lastJoinedMs: Number(row.last_joined_ms) || 0 }] : [],
  );
}
