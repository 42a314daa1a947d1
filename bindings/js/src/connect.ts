// Joining a room: from `insertCoin`'s options to a ready Wasm room attached
// to the session, with the identity it joined as.
import type { Backend } from "./backend.js";
import { toCoinopError } from "./errors.js";
import { defaultStorage, readIdentity, writeIdentity, type Identity } from "./identity.js";
import type { InitOptions } from "./options.js";
import { roomToJoin, writeRoomCodeToUrl } from "./page_url.js";
import { defaultProfile } from "./profile.js";
import { backendReplica, replicaStorage } from "./replica_store.js";
import type { Session } from "./session.js";
import { createBackend } from "./wasm.js";
import { ensureWebSocket } from "./websocket.js";

/** Playroom Kit waits 5 s for an open public room before it makes one. */
const DEFAULT_MATCHMAKING_WAIT_MS = 5000;

function matchmakingWait(matchmaking: InitOptions["matchmaking"]): number | undefined {
  if (!matchmaking) return undefined;
  if (matchmaking === true) return DEFAULT_MATCHMAKING_WAIT_MS;
  return matchmaking.waitBeforeCreatingNewRoom ?? DEFAULT_MATCHMAKING_WAIT_MS;
}

/**
 * Joins the room `options` name (for a client that `followsPage`: the one
 * in the page URL first, and the URL then names the room joined). Resolves
 * once seated and caught up, with this player's identity as stored; rejects
 * with a `CoinopError`.
 */
export async function connect(session: Session, options: InitOptions & { relayUrl: string }, followsPage: boolean): Promise<Identity | undefined> {
  ensureWebSocket(options.WebSocket);
  const rpcTimeoutMs = options.rpcTimeout ?? 5000;
  const storage = options.storage ?? defaultStorage();
  // Written before the Wasm core starts: it reads the identity from there.
  if (options.identity) writeIdentity(storage, options.identity, options.identityKey);
  const roomCode = roomToJoin(options.roomCode, followsPage);
  // The player's replica of this room, from before a reload (a new player has none).
  const replica = await backendReplica(replicaStorage(options.replica), readIdentity(storage, options.identityKey)?.playerId, roomCode);
  let backend: Backend | undefined;
  try {
    backend = await createBackend(
      {
        relayUrl: options.relayUrl,
        roomCode: options.matchmaking ? undefined : roomCode,
        gameId: options.gameId,
        matchmakingWaitMs: matchmakingWait(options.matchmaking),
        role: options.streamMode ? "streamScreen" : options.spectator ? "spectator" : undefined,
        maxPlayers: options.maxPlayersPerRoom,
        onlyExisting: options.onlyExisting,
        gracePeriodMs: options.reconnectGracePeriod,
        defaultStates: options.defaultStates,
        defaultPlayerStates: options.defaultPlayerStates,
        profile: options.profile,
        defaultProfile: defaultProfile(Math.floor(Math.random() * 1e6)),
        rpcTimeoutMs,
        identityKey: options.identityKey,
        roomRules: options.roomRules,
        botOf: options.botOf,
      },
      storage,
      replica,
    );
    session.attach(backend, rpcTimeoutMs);
    await backend.ready();
  } catch (e) {
    session.detach();
    backend?.free();
    throw toCoinopError(e);
  }
  session.seatAll();
  const code = backend.roomCode();
  if (followsPage && code) writeRoomCodeToUrl(code);
  const stored = readIdentity(storage, options.identityKey);
  return stored?.playerId === backend.myId() ? stored : undefined;
}
