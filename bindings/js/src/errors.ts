/** An error from coinop, with a stable `code` such as `ROOM_LIMIT_EXCEEDED` or `RPC_TIMEOUT`. */
export class CoinopError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "CoinopError";
    this.code = code;
  }
}

/** Playroom Kit's name for a full room; coinop's relay says `ROOM_FULL`. */
export function playroomCode(code: string): string {
  return code === "ROOM_FULL" ? "ROOM_LIMIT_EXCEEDED" : code;
}

/** Wraps whatever the Wasm side threw into a `CoinopError`. */
export function toCoinopError(e: unknown): CoinopError {
  if (e instanceof CoinopError) return e;
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "INTERNAL";
  const message = e instanceof Error ? e.message : String(e);
  return new CoinopError(playroomCode(code), message);
}
