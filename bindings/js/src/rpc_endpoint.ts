// A client's RPC: the handlers it registered (served when a call arrives)
// and its outgoing calls.
import { toCoinopError } from "./errors.js";
import type { Players } from "./players.js";
import { Mode, toTarget, type Rpc, type RpcCallOptions, type RpcHandler, type RpcMode } from "./rpc.js";
import type { Session } from "./session.js";

type Callback = (response: any) => void;

/** The `RPC` object of one client. */
export class RpcEndpoint implements Rpc {
  readonly Mode = Mode;
  readonly #session: Session;
  readonly #players: Players;
  readonly #handlers = new Map<string, RpcHandler>();

  constructor(session: Session, players: Players) {
    this.#session = session;
    this.#players = players;
    session.onEvent((event) => {
      if (event.type === "rpc") void this.#serve(event.call, event.from, event.name, event.payload, event.wantReply);
    });
  }

  // Arrow functions: `const { call } = RPC` works, as with Playroom Kit's object.
  readonly register = (name: string, handler: RpcHandler): (() => void) => {
    this.#handlers.set(name, handler);
    return () => {
      if (this.#handlers.get(name) === handler) this.#handlers.delete(name);
    };
  };

  readonly call = async (name: string, data?: unknown, mode: RpcMode = Mode.ALL, callbackOrOptions?: Callback | RpcCallOptions): Promise<any> => {
    const options = typeof callbackOrOptions === "object" ? callbackOrOptions : {};
    try {
      const backend = this.#session.require();
      const response = await backend.callRpc(name, data ?? null, toTarget(mode), options.timeout ?? this.#session.rpcTimeoutMs);
      if (typeof callbackOrOptions === "function") callbackOrOptions(response);
      return response;
    } catch (e) {
      throw toCoinopError(e);
    }
  };

  async #serve(call: number, from: string, name: string, payload: unknown, wantReply: boolean): Promise<void> {
    const handler = this.#handlers.get(name);
    if (!handler) return;
    try {
      const result = await handler(payload, this.#players.get(from));
      if (wantReply && result !== undefined) this.#session.backend?.replyRpc(call, from, true, result);
    } catch (e) {
      if (wantReply) this.#session.backend?.replyRpc(call, from, false, e instanceof Error ? e.message : String(e));
    }
  }
}
