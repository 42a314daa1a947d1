// One coinop client as a bench peer: the built package (dist/) joined with
// skipLobby, each peer writing its own room key with a reliable setState.
import { join } from "../test/support.mjs";

/** Joins `room` on the relay at `url`; resolves once joined and caught up. */
export async function connect(url, room, key) {
  const client = await join({ url }, room);
  return {
    set(value) {
      client.setState(key, value, true);
    },
    onRemote(callback) {
      client.onStateChange((changed, value) => {
        if (changed !== key) callback(changed, value);
      });
    },
    seqOf(other) {
      return client.getState(other)?.seq ?? -1;
    },
    saved: () => client.getStatus().saved,
    close: () => client.leaveRoom(),
  };
}
