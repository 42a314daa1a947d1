// A JS player and the native Rust bot (examples/native-bot) in one room.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { eventually, join, nativeBotBin, relayForFile, roomCode } from "./support.mjs";

const relay = relayForFile();

test("a JS client and a native Rust bot share one room", { timeout: 60000 }, async () => {
  const code = roomCode();
  const bot = spawn(nativeBotBin(), [relay.url, code], { stdio: ["ignore", "ignore", "inherit"] });
  // "error" too: a missing binary emits no "exit", and the test would hang on it.
  const exited = new Promise((resolve) => {
    bot.once("exit", resolve);
    bot.once("error", resolve);
  });
  let js;
  try {
    js = await join(relay, code, { profile: { name: "ada" } });
    const botPlayer = await eventually(() => js.getPlayers().find((p) => p.getProfile().name === "bot"), 15000, "the bot's seat");
    assert.equal(botPlayer.isBot(), true, "a bot seat");
    assert.equal(js.myPlayer().isBot(), false);
    await eventually(() => botPlayer.getState("isBot") === true, 5000, "isBot");
    assert.equal(await js.RPC.call("bot.ping", null, { player: botPlayer.id }), `pong to ${js.myPlayer().id}`);
    js.setState("question", "2+2?");
    const answer = await eventually(() => botPlayer.getState("answer"), 5000, "the bot's answer");
    assert.equal(answer, 'bot heard "2+2?" (4 chars)');
  } finally {
    // Also on failure: an open client would keep the test process alive.
    await js?.leaveRoom();
    bot.kill("SIGINT");
    await exited;
  }
});
