// Loads the Wasm module once, in browsers (fetch) and in Node (file read).
import init, { WasmRoom } from "./wasm/coinop_wasm.js";
import type { Backend, BackendEvent, BackendOptions, IdentityStorage } from "./backend.js";
import type { BackendReplica } from "./replica_store.js";
import { checkedBackend } from "./checked_backend.js";
import { toCoinopError } from "./errors.js";

let loading: Promise<unknown> | undefined;

async function load(): Promise<unknown> {
  const url = new URL("./wasm/coinop_wasm_bg.wasm", import.meta.url);
  if (url.protocol === "file:") {
    // Node: fetch() cannot read file: URLs.
    const fs = "node:fs/promises";
    const { readFile } = (await import(/* @vite-ignore */ fs)) as { readFile(path: URL): Promise<Uint8Array> };
    return init({ module_or_path: await readFile(url) });
  }
  return init({ module_or_path: url });
}

/** Creates the Wasm room (with the browser replica when given); it starts connecting at once. Throws a `CoinopError` (e.g. `INVALID_URL`). */
export async function createBackend(options: BackendOptions, storage: IdentityStorage, replica?: BackendReplica): Promise<Backend> {
  loading ??= load();
  await loading;
  try {
    return checkedBackend(asBackend(new WasmRoom(options, storage, replica)));
  } catch (e) {
    throw toCoinopError(e);
  }
}

/**
 * The Wasm room as a `Backend`. Its events come in batches, a JSON array
 * per call (one string and one `JSON.parse` instead of a boundary call per
 * field), and are handed on one by one, in order.
 */
function asBackend(room: WasmRoom): Backend {
  const backend = room as unknown as Backend;
  backend.onEvent = (callback) =>
    room.onEvents((batch: string) => {
      for (const event of JSON.parse(batch) as BackendEvent[]) {
        try {
          callback(event);
        } catch (e) {
          console.error("coinop: an event listener threw", e);
        }
      }
    });
  return backend;
}
