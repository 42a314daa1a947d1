// The public rooms of a game (`GET /games/{gameId}/rooms`), for custom
// lobbies: which rooms matchmaking is filling, and how full they are.
import { CoinopError } from "./errors.js";
import { defaultRelayUrl } from "./options.js";
import { httpBase } from "./rooms.js";

/** A public room someone sits in. */
export interface PublicRoom {
  /** Join it with `insertCoin({ roomCode })`. */
  roomCode: string;
  /** Seated players (stream screens and spectators not counted). */
  players: number;
  maxPlayers: number;
}

/** Fetches the public rooms of `gameId`, fullest first. Rejects with `NETWORK_ERROR` or `RELAY_ERROR`. */
export async function listPublicRooms(gameId: string, relayUrl?: string): Promise<PublicRoom[]> {
  const url = `${httpBase(relayUrl ?? defaultRelayUrl())}/games/${encodeURIComponent(gameId)}/rooms`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new CoinopError("NETWORK_ERROR", `cannot reach the relay at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!response.ok) throw new CoinopError("RELAY_ERROR", `the relay answered ${response.status} for ${url}`);
  const rows: unknown = await response.json().catch(() => undefined);
  if (!Array.isArray(rows)) throw new CoinopError("RELAY_ERROR", "the relay's public room list is not a list");
  return rows.flatMap((row: { code?: unknown; players?: unknown; maxPlayers?: unknown }) =>
    typeof row?.code === "string" ? [{ roomCode: row.code, players: Number(row.players) || 0, maxPlayers: Number(row.maxPlayers) || 0 }] : [],
  );
}
