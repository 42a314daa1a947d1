// Real headless Chromium pages (Debian's chromium, driven by playwright-core)
// load the package as plain ES modules: two pages in one room see each
// other's players and state, and the page URL's room follows Playroom Kit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BROWSER_TEST, browserEnvForFile } from "./browser_support.mjs";
import { roomCode } from "./support.mjs";

const env = browserEnvForFile("test/browser/page.html");

/** A new player (own context, so own localStorage) on page.html with `query` and `hash`. */
async function openPage(query, hash = "") {
  const page = await (await env.browser.newContext()).newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(`${env.server.base}/?${new URLSearchParams({ relay: env.relay.url, ...query })}${hash}`);
  return page;
}

const view = (page) => page.evaluate(() => JSON.parse(document.getElementById("out").textContent));

test("two Chromium pages in one room see each other's players and state", BROWSER_TEST, async () => {
  const code = roomCode();
  const pages = [await openPage({ room: code, greet: "hello" }), await openPage({ room: code })];
  try {
    for (const page of pages) {
      await page.waitForFunction(() => document.title === "players=2 greeting=hello", null, { timeout: 15000 });
    }
    const views = await Promise.all(pages.map(view));
    assert.notEqual(views[0].me, views[1].me);
    assert.deepEqual([...views[0].players].sort(), [views[0].me, views[1].me].sort());
    assert.deepEqual([...views[1].players].sort(), [views[0].me, views[1].me].sort());
    // Joined by roomCode, the room is written to the URL for reloads and links.
    assert.equal(views[0].hash, `#r=${code}`);
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
});

test("#r= in the page URL wins over roomCode (Playroom's rule); createClient() clients leave the URL alone", BROWSER_TEST, async () => {
  const [option, linked, other] = [roomCode(), roomCode(), roomCode()];
  const page = await openPage({ room: option, other }, `#r=${linked}&view=2`);
  try {
    await page.waitForFunction(() => document.title.startsWith("players=1"), null, { timeout: 15000 });
    const { room, hash, otherRoom } = await view(page);
    assert.equal(room, linked);
    assert.equal(otherRoom, other);
    assert.equal(hash, `#r=${linked}&view=2`);
  } finally {
    await page.context().close();
  }
});
