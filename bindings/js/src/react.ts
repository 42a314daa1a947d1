/**
 * React hooks over a coinop client (the default one unless given), with
 * Playroom Kit's names.
 *
 * @packageDocumentation
 */
import { useCallback, useEffect, useState } from "react";
import { defaultClient, type CoinopClient, type PlayerState } from "./index.js";

/** Re-renders when `read()` changes after any client event. */
function useClientValue<T>(client: CoinopClient, read: () => T, same: (a: T, b: T) => boolean = Object.is): T {
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = () => setValue((old) => {
      const next = read();
      return same(old, next) ? old : next;
    });
    update();
    return client._session.onChange(update);
    // `read` is rebuilt every render; the key arguments it closes over are the real dependencies.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);
  return value;
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
