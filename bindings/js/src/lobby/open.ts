// The lobby's controller: shows the view while joining, keeps it live, and
// settles when the host launches (or the session ends).
import { CoinopError } from "../errors.js";
import type { InitOptions } from "../options.js";
import { LAUNCHED_KEY } from "../reserved.js";
import type { Session } from "../session.js";
import { snapshot, type LobbyBots } from "./snapshot.js";
import { LobbyView } from "./view.js";

/** The lobby of one `insertCoin` call. */
export interface LobbyHandle {
  /** Shows why joining failed; the element stays until the user closes it. */
  fail(error: CoinopError): void;
  /**
   * Shows the room; resolves when the host launches (the lobby is removed
   * then). Rejects if this player is kicked or replaced (the session ends,
   * the lobby says why) or leaves.
   */
  launched(): Promise<void>;
}

/** Whether `insertCoin` shows the lobby: in a browser page, unless `skipLobby`. */
export function wantsLobby(options: InitOptions): boolean {
  return !options.skipLobby && typeof document !== "undefined";
}

/** A title and message for the user about why joining failed or ended. */
function explain(error: CoinopError): [string, string] {
  switch (error.code) {
    case "ROOM_LIMIT_EXCEEDED":
      return ["Room full", "This room is full. Ask the host for a new link."];
    case "KICKED":
      return ["Removed", "The host removed you from the room."];
    case "REPLACED":
      return ["Opened elsewhere", "You joined this room from another tab or device."];
    default:
      return ["Can't join", `Could not join the room: ${error.detail}`];
  }
}

/**
 * The lobby of one `insertCoin`. Nothing shows while joining: the element is
 * appended only once there is something to show (the room, or an error), so
 * a player who joins after the launch never sees it.
 */
export function openLobby(session: Session, bots: LobbyBots & { add(): Promise<unknown> }): LobbyHandle {
  const view = new LobbyView({
    launch: () => session.require().setState(LAUNCHED_KEY, true, true),
    addBot: () => bots.add(),
    kick: (id) => {
      if (!session.seated.includes(id)) return;
      try {
        session.require().kick(id);
      } catch (e) {
        console.warn("coinop: kick failed", e);
      }
    },
    saveProfile: (profile) => session.backend?.setProfile(profile),
  });
  const mount = () => {
    if (view.element.isConnected) return;
    // The body exists by then (joining takes a round trip) unless the page has none at all.
    (document.body ?? document.documentElement).append(view.element);
    view.focus();
  };
  const waitForLaunch = () =>
    new Promise<void>((resolve, reject) => {
      const render = () => {
        const backend = session.backend;
        if (!backend) return;
        if (backend.getState(LAUNCHED_KEY)) {
          stop();
          resolve();
          return;
        }
        view.show(snapshot(session, bots), backend.profile(backend.myId()));
        mount();
      };
      const stopChanges = session.onChange(render);
      const stopDisconnect = session.onDisconnect((e) => {
        if (e.code === "CONNECTION_LOST") return; // it reconnects by itself
        stop();
        const error = new CoinopError(e.code, e.reason);
        mount();
        view.fail(...explain(error));
        reject(error);
      });
      // leaveRoom() while waiting: insertCoin rejects and the lobby goes away.
      const stopLeave = session.onLeave(() => {
        stop();
        view.remove();
        reject(new CoinopError("LEFT_ROOM", "leaveRoom() was called before the host launched"));
      });
      const stop = () => {
        stopChanges();
        stopDisconnect();
        stopLeave();
      };
      render();
    });
  return {
    fail: (error) => {
      mount();
      view.fail(...explain(error));
    },
    launched: async () => {
      try {
        await waitForLaunch();
      } catch (e) {
        // Kicked or replaced: the session is over. Left here, outside the
        // room's event callback that reported it.
        session.leave();
        throw e;
      }
      view.remove();
    },
  };
}
