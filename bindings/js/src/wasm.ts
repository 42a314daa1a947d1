// Loads the Wasm module once, in browsers (fetch) and in Node (file read).
import init, { WasmRoom } from "./wasm/coinop_wasm.js";
import type { Backend, BackendOptions, IdentityStorage } from "./backend.js";
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
    return checkedBackend(new WasmRoom(options, storage, replica) as unknown as Backend);
  } catch (e) {
    throw toCoinopError(e);
  }
}
