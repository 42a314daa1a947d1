/**
 * React hooks over a coinop client (the default one unless given), with
 * Playroom Kit's names.
 *
 * @packageDocumentation
 */
import { useCallback, useRef, useSyncExternalStore } from "react";
import { defaultClient, type CoinopClient, type PlayerState } from "./index.js";

/**
 * `read()`'s value, read again after every event of `client`. `read` is this
 * render's closure, so a new key or player shows in the same render; the
 * previous value is kept while `same` says nothing changed, so React sees a
 * stable snapshot and skips the re-render.
 */
function useClientValue<T>(client: CoinopClient, read: () => T, same: (a: T, b: T) => boolean = Object.is): T {
  const last = useRef<{ value: T } | undefined>(undefined);
  const subscribe = useCallback((onChange: () => void) => client._session.onChange(onChange), [client]);
  const snapshot = () => {
    const next = read();
    if (last.current && same(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  };
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

const sameJson = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** `[value, setValue]` for a room state key. */
export function useMultiplayerState<T = any>(key: string, defaultValue?: T, client: CoinopClient = defaultClient): [T, (value: T, reliable?: boolean) => void] {
  const value = useClientValue(client, () => client.getState<T>(key) ?? (defaultValue as T), sameJson);
  const set = useCallback((v: T, reliable = true) => client.setState(key, v, reliable), [client, key]);
  return [value, set];
}

/** `[value, setValue]` for one player's state key. */
export function usePlayerState<T = any>(player: PlayerState, key: string, defaultValue?: T, client: CoinopClient = defaultClient): [T, (value: T, reliable?: boolean) => void] {
  const value = useClientValue(client, () => player.getState<T>(key) ?? (defaultValue as T), sameJson);
  const set = useCallback((v: T, reliable = false) => player.setState(key, v, reliable), [player, key]);
  return [value, set];
}

/** The seated players, in seating order. */
export function usePlayersList(_triggerOnPlayerStateChange = false, client: CoinopClient = defaultClient): PlayerState[] {
  return useClientValue(client, () => client.getPlayers(), (a, b) => a.length === b.length && a.every((p, i) => p === b[i]));
}

/** Every player's value for `key`: `[{ player, state }]`, handy for leaderboards. */
export function usePlayersState<T = any>(key: string, client: CoinopClient = defaultClient): { player: PlayerState; state: T }[] {
  return useClientValue(
    client,
    () => client.getPlayers().map((player) => ({ player, state: player.getState<T>(key) as T })),
    (a, b) => a.length === b.length && a.every((x, i) => x.player === b[i].player && sameJson(x.state, b[i].state)),
  );
}

/** Whether this player is the host; updates on host changes. */
export function useIsHost(client: CoinopClient = defaultClient): boolean {
  return useClientValue(client, () => client.isHost());
}
