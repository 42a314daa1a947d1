/**
 * An error from coinop. Its `message` is a stable code such as
 * `ROOM_LIMIT_EXCEEDED` or `RPC_TIMEOUT`, as in Playroom Kit (whose games
 * check `e.message === "ROOM_LIMIT_EXCEEDED"`); `code` holds the same code,
 * and `detail` says in words what happened.
 */
export class CoinopError extends Error {
  /** The stable code, the same as `message`. */
  readonly code: string;
  /** What happened, in words: for logs and developers (the wording may change). */
  readonly detail: string;

  constructor(code: string, detail: string = code) {
    super(code);
    this.name = "CoinopError";
    this.code = code;
    this.detail = detail;
  }
}

/** Playroom Kit's name for a full room; coinop's relay says `ROOM_FULL`. */
export function playroomCode(code: string): string {
  return code === "ROOM_FULL" ? "ROOM_LIMIT_EXCEEDED" : code;
}

/** Wraps whatever was thrown (by the Wasm side: an `Error` with a `code`) into a `CoinopError`. */
export function toCoinopError(e: unknown): CoinopError {
  if (e instanceof CoinopError) return e;
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "INTERNAL";
  const detail = e instanceof Error ? e.message : String(e);
  return new CoinopError(playroomCode(code), detail);
}
