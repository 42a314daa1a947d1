// The browser replica's storage: one IndexedDB record per player and room,
// holding the bytes the Wasm core encodes (the room document, the changes
// the relay has not acknowledged yet, the room log position; their format
// is versioned in bindings/wasm/src/replica.rs). The core hands over a new
// record after local writes, one write at a time; `insertCoin` reads the
// record back before joining, so a write made offline or before its ack
// survives a reload and reaches the room once the relay is back.

/** Where the browser replica lives: `insertCoin`'s `replica` option. */
export interface ReplicaStorage {
  /** The bytes stored for `player` in `room`, if any. */
  load(player: string, room: string): Promise<Uint8Array | undefined>;
  /** Replaces the bytes stored for `player` in `room`; resolves once durable. */
  save(player: string, room: string, bytes: Uint8Array): Promise<void>;
}

/** The replica the Wasm room takes: the loaded record and the writer. */
export interface BackendReplica {
  initial?: Uint8Array;
  save(player: string, room: string, bytes: Uint8Array): Promise<void>;
}

// The database layout's version (IndexedDB's own schema version): the
// object store below. The records' bytes carry their own format byte.
const DB_VERSION = 1;
const STORE = "replicas";

const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/** Replicas in the IndexedDB database `name` (default `coinop`); `undefined` where there is no IndexedDB (Node). */
export function indexedDbReplicas(name = "coinop"): ReplicaStorage | undefined {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return undefined;
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (db ??= new Promise((resolve, reject) => {
      const r = idb.open(name, DB_VERSION);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    }));
  const key = (player: string, room: string) => `${player}/${room}`;
  return {
    async load(player, room) {
      const tx = (await open()).transaction(STORE, "readonly");
      const value: unknown = await request(tx.objectStore(STORE).get(key(player, room)));
      return value instanceof Uint8Array ? value : undefined;
    },
    async save(player, room, bytes) {
      const tx = (await open()).transaction(STORE, "readwrite", { durability: "strict" });
      tx.objectStore(STORE).put(bytes, key(player, room));
      // Durable once the transaction completes, not when the put succeeds.
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    },
  };
}

/** The storage `option` names: IndexedDB by default, none for `false`. */
export function replicaStorage(option: boolean | ReplicaStorage | undefined): ReplicaStorage | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return indexedDbReplicas();
  return option;
}

/** The replica to hand the Wasm room, with the record of `player` in `room` loaded (a failed read starts from the relay). */
export async function backendReplica(storage: ReplicaStorage | undefined, player: string | undefined, room: string | undefined): Promise<BackendReplica | undefined> {
  if (!storage) return undefined;
  let initial: Uint8Array | undefined;
  if (player && room) {
    try {
      initial = await storage.load(player, room);
    } catch (e) {
      console.warn("coinop: could not read the stored replica", e);
    }
  }
  return { initial, save: (p, r, bytes) => storage.save(p, r, bytes) };
}
