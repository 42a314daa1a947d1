import type { IdentityStorage } from "./backend.js";

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
