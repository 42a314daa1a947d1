// The bots a host's client runs: one extra client per bot seat, joined with
// the bot's id and the host's secret (`botOf`), so that the relay seats it
// as a bot owned by the host. When this client becomes host it takes over
// the bots the previous host ran (the relay keeps their seats for a grace
// period); when it stops being host, the new host's join replaces them.
import type { Bot } from "./bot.js";
import { CoinopError } from "./errors.js";
import { memoryStorage, type Identity } from "./identity.js";
import type { InitOptions } from "./options.js";
import type { PlayerState } from "./player_state.js";
import { defaultProfile } from "./profile.js";
import type { Session } from "./session.js";

/**
 * What the runner uses of the client it runs a bot seat in: a `CoinopClient`,
 * named by its shape so that this file does not import the client that
 * imports it.
 */
export interface BotClient {
  insertCoin(options: InitOptions): Promise<void>;
  myPlayer(): PlayerState;
  leaveRoom(): Promise<void>;
  readonly _session: Session;
}

/** How many times a new host tries to take over a bot seat. */
const ADOPT_ATTEMPTS = 5;
/** The pause before the next takeover attempt, times the attempts made. */
const ADOPT_RETRY_MS = 250;

/** One bot this client runs. */
interface Running {
  bot: Bot;
  client: BotClient;
}

/** The bots of one client. */
export class BotRunner {
  readonly #session: Session;
  readonly #makeClient: () => BotClient;
  readonly #running = new Map<string, Promise<Running>>();
  #options?: InitOptions & { relayUrl: string };
  #identity?: Identity;
  #botClass?: new (botParams?: any) => Bot;

  constructor(session: Session, makeClient: () => BotClient, defaultBot: new (botParams?: any) => Bot) {
    this.#session = session;
    this.#makeClient = makeClient;
    this.#botClass = defaultBot;
    session.onEvent((event) => {
      if (event.type === "host") this.#adopt();
    });
    session.onLeave(() => this.#stopAll());
  }

  /** Starts running bots for a client joined with `options` as `identity`. */
  start(options: InitOptions & { relayUrl: string }, identity: Identity | undefined): void {
    if (!options.enableBots) return;
    this.#options = options;
    this.#identity = identity;
    this.#botClass = options.botOptions?.botClass ?? this.#botClass;
    this.#adopt();
  }

  /** The bot instance this client runs for seat `id`, if any. */
  bot(id: string): Bot | undefined {
    return this.#session.bot(id) as Bot | undefined;
  }

  /** Host only: seats a new bot and resolves with its running instance. */
  async add(): Promise<Bot> {
    const backend = this.#session.require();
    if (!this.#options) throw new CoinopError("BOTS_DISABLED", "insertCoin({ enableBots: true }) first");
    if (backend.hostId() !== backend.myId()) throw new CoinopError("NOT_HOST", "only the host runs bots");
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    const id = `bot-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const count = backend.players().filter((p) => backend.isBot(p)).length;
    const profile = { ...defaultProfile(Math.floor(Math.random() * 1e6)), name: `Bot ${count + 1}` };
    return (await this.#run(id, profile)).bot;
  }

  /**
   * Runs every bot seat of the room that this client, now host, does not run
   * yet. A takeover that fails (say, its connection dropped) is tried again
   * a few times while this client stays host and the seat stays a bot's:
   * nobody else will run that bot.
   */
  #adopt(attempt = 1): void {
    const backend = this.#session.backend;
    if (!this.#options || !backend || backend.hostId() !== backend.myId()) return;
    for (const id of backend.players()) {
      if (backend.isBot(id) && !this.#running.has(id)) {
        this.#run(id).catch((e: unknown) => {
          console.warn(`coinop: could not take over bot ${id} (attempt ${attempt} of ${ADOPT_ATTEMPTS}):`, e);
          if (attempt < ADOPT_ATTEMPTS) setTimeout(() => this.#adopt(attempt + 1), ADOPT_RETRY_MS * attempt);
        });
      }
    }
  }

  #run(id: string, profile?: { name: string; color: string; avatar: string }): Promise<Running> {
    const options = this.#options!;
    const host = this.#session.require();
    const secret = this.#identity?.secret;
    if (!secret) return Promise.reject(new CoinopError("NO_IDENTITY", "the host's identity is unknown"));
    const running = (async () => {
      const client = this.#makeClient();
      await client.insertCoin({
        relayUrl: options.relayUrl,
        roomCode: host.roomCode(),
        skipLobby: true,
        storage: memoryStorage(),
        identity: { playerId: id, secret },
        botOf: host.myId(),
        profile,
        replica: false,
        rpcTimeout: options.rpcTimeout,
        WebSocket: options.WebSocket,
      });
      const bot = new this.#botClass!(options.botOptions?.botParams);
      bot._attach({ seat: client.myPlayer(), kick: async () => this.#session.require().kick(id) });
      this.#session.setBot(id, bot);
      // Replaced by a new host's client, kicked, or quit: this client no longer runs it.
      client._session.onEvent((event) => {
        if (event.type === "disconnect" && event.fatal) this.#forget(id, client);
      });
      this.#session.onQuit(id, () => this.#forget(id, client));
      bot.onReady();
      return { bot, client };
    })();
    this.#running.set(id, running);
    running.catch(() => this.#running.delete(id));
    return running;
  }

  #forget(id: string, client: BotClient): void {
    this.#running.delete(id);
    this.#session.setBot(id, undefined);
    void client.leaveRoom();
  }

  #stopAll(): void {
    for (const [id, running] of this.#running) {
      void running.then(({ client }) => this.#forget(id, client), () => {});
    }
  }
}
