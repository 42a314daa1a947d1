// How the package yields to the browser's event loop. Its driver yields once
// per turn so that frames arriving together are handled as one batch. With
// `setTimeout(0)` as that yield, HTML clamps nested timers to 4 ms, and a busy
// client's turns do nest: 50 chained yields took 195 ms in Chromium, against
// 1 ms for `MessageChannel` messages (BENCHMARKS.md, session 19). So in a
// page the package must not use zero-delay timers on its hot path.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BROWSER_TEST, browserEnvForFile } from "./browser_support.mjs";
import { roomCode } from "./support.mjs";

const env = browserEnvForFile("test/browser/module.html");

test("a stream of reliable writes between two clients in a page sets no zero-delay timers", BROWSER_TEST, async () => {
  const context = await env.browser.newContext();
  try {
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    // Counts every setTimeout the page makes with no delay, from the start.
    await page.addInitScript(() => {
      const setTimeoutOf = window.setTimeout;
      window.zeroDelayTimers = 0;
      window.setTimeout = function (callback, delay, ...rest) {
        if (!(Number(delay) > 0)) window.zeroDelayTimers += 1;
        return setTimeoutOf.call(this, callback, delay, ...rest);
      };
    });
    await page.goto(`${env.server.base}/`);
    await page.waitForFunction(() => document.title === "ready", null, { timeout: 20000 });
    const result = await page.evaluate(
      async ({ relayUrl, code }) => {
        const { createClient, memoryStorage } = window.coinop;
        const join = async () => {
          const client = createClient();
          await client.insertCoin({ relayUrl, roomCode: code, skipLobby: true, storage: memoryStorage(), replica: false });
          return client;
        };
        const [writer, reader] = [await join(), await join()];
        const seen = new Promise((resolve) => {
          reader.onStateChange((key, value) => value === 200 && resolve());
        });
        const before = window.zeroDelayTimers;
        for (let i = 1; i <= 200; i++) {
          writer.setState("n", i, true);
          await new Promise((r) => requestAnimationFrame(r));
        }
        await Promise.race([seen, new Promise((r) => setTimeout(r, 15000))]);
        const timers = window.zeroDelayTimers - before;
        const got = reader.getState("n");
        await writer.leaveRoom();
        await reader.leaveRoom();
        return { timers, got };
      },
      { relayUrl: env.relay.url, code: roomCode() },
    );
    assert.equal(result.got, 200, "the reader saw every write");
    // 200 writes and their acks and deliveries make hundreds of driver turns.
    assert.ok(result.timers <= 10, `${result.timers} zero-delay timers during 200 writes`);
  } finally {
    await context.close();
  }
});
