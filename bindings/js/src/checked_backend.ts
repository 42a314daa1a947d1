// The Wasm room throws plain `Error`s whose message is a sentence. Wrapped
// once here, every call on it throws (or rejects with) a `CoinopError`
// instead, so that no caller has to convert errors itself.
import type { Backend } from "./backend.js";
import { toCoinopError } from "./errors.js";

type Method = (...args: unknown[]) => unknown;

/** `backend`, with every error its methods throw or reject with turned into a `CoinopError`. */
export function checkedBackend(backend: Backend): Backend {
  // One wrapper per method, made on first use: no allocation per call.
  const wrappers = new Map<PropertyKey, Method>();
  return new Proxy(backend, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      let wrapper = wrappers.get(name);
      if (!wrapper) {
        const method = value as Method;
        wrapper = (...args) => {
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (e) {
            throw toCoinopError(e);
          }
          return result instanceof Promise ? result.catch((e: unknown) => Promise.reject(toCoinopError(e))) : result;
        };
        wrappers.set(name, wrapper);
      }
      return wrapper;
    },
  });
}
