// One Yjs client as a bench peer: a Y.Doc synced by y-websocket's
// WebsocketProvider, each peer writing its own key of one shared Y.Map.
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";
import * as Y from "yjs";

/** Joins `room` on the y-websocket server at `url`; resolves once synced. */
export async function connect(url, room, key) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket, disableBc: true });
  await new Promise((resolve) => {
    if (provider.synced) resolve();
    else provider.once("sync", resolve);
  });
  const map = doc.getMap("state");
  return {
    set(value) {
      map.set(key, value);
    },
    onRemote(callback) {
      map.observe((event) => {
        if (event.transaction.local) return;
        for (const changed of event.keysChanged) if (changed !== key) callback(changed, map.get(changed));
      });
    },
    seqOf(other) {
      return map.get(other)?.seq ?? -1;
    },
    // y-websocket has no acknowledgement: nothing to wait for.
    saved: () => true,
    async close() {
      provider.destroy();
      doc.destroy();
    },
  };
}
