// Bots against the real relay: the host's client runs a bot seat that every
// client sees as a bot, with its own state and profile; the seat moves to
// the new host's client when the host changes.
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { test } from "node:test";
import { Bot } from "../dist/index.js";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

/** A bot that marks itself ready and counts where it was constructed. */
class Robo extends Bot {
  static made = 0;
  constructor(params) {
    super(params);
    Robo.made += 1;
  }
  onReady() {
    this.setState("ready", this.botParams.greeting, true);
  }
}

const withBots = { enableBots: true, botOptions: { botClass: Robo, botParams: { greeting: "beep" } } };

test("the host seats a bot that everyone sees as a bot player, and it moves with the host", { timeout: 60000 }, async () => {
  const code = roomCode();
  let host, guest;
  try {
    host = await join(relay, code, withBots);
    guest = await join(relay, code, withBots);
    await assert.rejects(guest.addBot(), { code: "NOT_HOST" });

    const bot = await host.addBot();
    assert.ok(bot instanceof Robo);
    assert.equal(bot.isBot(), true);
    assert.match(bot.getProfile().name, /^Bot 1$/);
    const seen = await eventually(() => guest.getPlayer(bot.id), 10000, "the guest sees the bot");
    assert.equal(seen.isBot(), true);
    assert.equal(guest.myPlayer().isBot(), false);
    assert.equal(await guest.waitForPlayerState(seen, "ready"), "beep");
    assert.equal(seen.getProfile().name, "Bot 1");
    assert.equal(host.getPlayer(bot.id).bot, bot, "player.bot is the instance on the client that runs it");
    assert.equal(seen.bot, undefined);

    const made = Robo.made;
    await host.transferHost(guest.myPlayer().id);
    const moved = await eventually(() => guest.getPlayer(bot.id)?.bot, 10000, "the new host runs the bot");
    assert.ok(moved instanceof Robo);
    assert.equal(Robo.made, made + 1);
    assert.equal(moved.id, bot.id);
    assert.equal(moved.getState("ready"), "beep", "the seat's state stays");
    await eventually(() => host.getPlayer(bot.id)?.bot === undefined, 10000, "the old host stops running it");
    assert.equal(host.getPlayer(bot.id).isBot(), true);

    await moved.kick();
    await eventually(() => !host.getPlayer(bot.id), 10000, "the kicked bot leaves");
  } finally {
    await leaveAll(host, guest);
  }
});

test("addBot() needs enableBots", { timeout: 30000 }, async () => {
  const client = await join(relay, roomCode());
  try {
    await assert.rejects(client.addBot(), { code: "BOTS_DISABLED" });
  } finally {
    await leaveAll(client);
  }
});

test("a bot counts towards maxPlayersPerRoom: addBot() in a full room rejects with ROOM_LIMIT_EXCEEDED", { timeout: 30000 }, async () => {
  const code = roomCode();
  let host, guest;
  try {
    host = await join(relay, code, { ...withBots, maxPlayersPerRoom: 3 });
    await host.addBot();
    guest = await join(relay, code, withBots);
    await assert.rejects(host.addBot(), { code: "ROOM_LIMIT_EXCEEDED" });
    await assert.rejects(join(relay, code), { code: "ROOM_LIMIT_EXCEEDED" });
    await eventually(() => host.getPlayers().length === 3, 5000, "the host sees three seats");
  } finally {
    await leaveAll(host, guest);
  }
});

/** A TCP proxy to the relay that a test can cut for good: the clients behind it drop and cannot come back. */
async function proxy(relayUrl) {
  const target = new URL(relayUrl);
  const open = new Set();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    cut() {
      server.close();
      for (const socket of open) socket.destroy();
    },
  };
}

test("when the host's client goes away, the next host takes its bots over after the grace period", { timeout: 60000 }, async () => {
  const code = roomCode();
  const line = await proxy(relay.url);
  let host, guest;
  try {
    // The host (and so its bots) reach the relay through the proxy.
    host = await join({ url: line.url }, code, { ...withBots, reconnectGracePeriod: 1000 });
    guest = await join(relay, code, withBots);
    const bot = await host.addBot();
    const seen = await eventually(() => guest.getPlayer(bot.id), 10000, "the guest sees the bot");
    let botQuit = false;
    seen.onQuit(() => (botQuit = true));
    await guest.waitForPlayerState(seen, "ready");

    line.cut(); // the host's page closes: no leave is sent
    await eventually(() => guest.isHost(), 10000, "the guest becomes host once the host's seat expires");
    const moved = await eventually(() => guest.getPlayer(bot.id)?.bot, 10000, "the new host runs the bot");
    assert.ok(moved instanceof Robo);
    assert.equal(moved.getState("ready"), "beep");
    assert.equal(moved.getProfile().name, "Bot 1");
    await new Promise((r) => setTimeout(r, 2000)); // past another grace period
    assert.equal(botQuit, false, "nobody saw the bot leave");
    assert.ok(guest.getPlayer(bot.id));
  } finally {
    line.cut();
    await leaveAll(host, guest);
  }
});
