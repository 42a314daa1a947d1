import type { IdentityStorage } from "./backend.js";
import { CoinopError } from "./errors.js";

/** A player's identity: the stable player id and the secret that proves it (lowercase hex). */
export interface Identity {
  playerId: string;
  /** The secret as lowercase hex; the relay's room index takes it as bearer token. */
  secret: string;
}

/** `localStorage` when the page has one, else a store that lives as long as the process. */
export function defaultStorage(): IdentityStorage {
  try {
    const ls = (globalThis as { localStorage?: IdentityStorage }).localStorage;
    if (ls) return ls;
  } catch {
    // Some sandboxed iframes throw on access.
  }
  return memoryStorage();
}

/** A store in memory: a new player on every process start. */
export function memoryStorage(): IdentityStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  };
}

// The Wasm core (bindings/wasm/src/identity.rs) keeps the identity under this
// key as "<player id>\n<secret hex>\n"; both sides must agree on it.
const BASE_KEY = "coinop.identity";

/** The storage key the identity lives under for `identityKey`. */
export function identityStorageKey(identityKey?: string): string {
  return identityKey === undefined ? BASE_KEY : `${BASE_KEY}.${identityKey}`;
}

/** Validates an identity (player id: 1–64 of `[A-Za-z0-9_-]`; secret: 16–64 bytes of hex) and lowercases the secret. */
export function checkIdentity(identity: Identity): Identity {
  const playerId = String(identity?.playerId ?? "");
  const secret = String(identity?.secret ?? "").trim().toLowerCase();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(playerId)) {
    throw new CoinopError("INVALID_ID", "identity.playerId must be 1-64 characters of [A-Za-z0-9_-]");
  }
  if (!/^([0-9a-f]{2}){16,64}$/.test(secret)) {
    throw new CoinopError("INVALID_ID", "identity.secret must be 16-64 bytes as hex");
  }
  return { playerId, secret };
}

/** The identity stored in `storage`, or `undefined` when there is none or it does not parse. */
export function readIdentity(storage: IdentityStorage, identityKey?: string): Identity | undefined {
  let text: string | null;
  try {
    text = storage.getItem(identityStorageKey(identityKey));
  } catch {
    return undefined;
  }
  if (!text) return undefined;
  const [playerId = "", secret = ""] = text.split("\n");
  try {
    return checkIdentity({ playerId: playerId.trim(), secret });
  } catch {
    return undefined;
  }
}

/** Stores `identity` where the Wasm core reads it on the next join. */
export function writeIdentity(storage: IdentityStorage, identity: Identity, identityKey?: string): void {
  const { playerId, secret } = checkIdentity(identity);
  storage.setItem(identityStorageKey(identityKey), `${playerId}\n${secret}\n`);
}
