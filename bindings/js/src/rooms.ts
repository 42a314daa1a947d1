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

/** The identity `options` name, or the stored one; `what` names the caller in the error. */
function identityFor(options: ListMyRoomsOptions, what: string): Identity {
  const identity = options.identity
    ? checkIdentity(options.identity)
    : readIdentity(options.storage ?? defaultStorage(), options.identityKey);
  if (!identity) {
    throw new CoinopError("NO_IDENTITY", `no stored identity: join a room first, or pass ${what}({ identity })`);
  }
  return identity;
}

/** Sends one request of the per-player API (`path` under `/players/{id}`) with the player's secret; rejects on 401 and network errors. */
async function playerRequest(options: ListMyRoomsOptions, what: string, path: string, method: string): Promise<Response> {
  const identity = identityFor(options, what);
  const url = `${httpBase(options.relayUrl ?? defaultRelayUrl())}/players/${encodeURIComponent(identity.playerId)}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers: { Authorization: `Bearer ${identity.secret}` } });
  } catch (e) {
    throw new CoinopError("NETWORK_ERROR", `cannot reach the relay at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (response.status === 401) {
    throw new CoinopError("UNAUTHORIZED", "the relay does not know this player id with this secret");
  }
  return response;
}

/** Fetches the rooms `options`' identity has joined, most recent first as the relay orders them. */
export async function listMyRooms(options: ListMyRoomsOptions = {}): Promise<MyRoom[]> {
  const response = await playerRequest(options, "listMyRooms", "/rooms", "GET");
  if (!response.ok) {
    throw new CoinopError("RELAY_ERROR", `the relay answered ${response.status} for ${response.url}`);
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

/**
 * Deletes the room `roomCode`, which `options`' identity owns (created), with
 * everything the relay stored of it; players in it are disconnected with
 * `ROOM_DELETED`. Rejects with `NOT_OWNER` or `ROOM_NOT_FOUND`.
 */
export async function deleteMyRoom(roomCode: string, options: ListMyRoomsOptions = {}): Promise<void> {
  const response = await playerRequest(options, "deleteMyRoom", `/rooms/${encodeURIComponent(roomCode)}`, "DELETE");
  if (response.status === 403) throw new CoinopError("NOT_OWNER", `only the owner of room ${roomCode} may delete it`);
  if (response.status === 404) throw new CoinopError("ROOM_NOT_FOUND", `no room has the code ${roomCode}`);
  if (!response.ok) {
    throw new CoinopError("RELAY_ERROR", `the relay answered ${response.status} deleting room ${roomCode}`);
  }
}
