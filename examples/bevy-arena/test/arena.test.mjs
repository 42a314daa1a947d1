// bevy-arena in the browser, end to end: the real relay serves the page and
// its Wasm (built by web/build.sh); two headless Chromium pages play in one
// room: the first creates it (its code lands in the address), the second
// joins by that address, and both see two players and round 1.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { newPlayerPage, screenshot, siteUnderTest, skipBrowser } from "../../e2e-support.mjs";

const site = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
const STEP_MS = 30000;

const env = siteUnderTest(site);

test("two browser players share the arena", { skip: skipBrowser }, async () => {
  assert.ok(existsSync(join(site, "pkg", "bevy_arena.js")), "web/pkg is not built: run examples/bevy-arena/web/build.sh --dev");
  const first = await newPlayerPage(env.browser);
  await first.goto(`${env.relay.http}/`);
  await first.waitForFunction(() => /^#r=\w+/.test(location.hash), null, { timeout: STEP_MS });
  const hash = await first.evaluate(() => location.hash);

  const second = await newPlayerPage(env.browser);
  await second.goto(`${env.relay.http}/${hash}`);
  for (const page of [first, second]) {
    await page.waitForSelector('html[data-players="2"][data-status="Connected"][data-round="1"]', { timeout: STEP_MS });
  }
  // Steering: the second player holds an arrow key; the game keeps running.
  await second.keyboard.down("ArrowRight");
  await second.waitForTimeout(300);
  await second.keyboard.up("ArrowRight");
  assert.equal(await second.evaluate(() => location.hash), hash);
  await screenshot(first, "bevy-arena-first");
  await screenshot(second, "bevy-arena-second");
});
