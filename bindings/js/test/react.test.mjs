// coinop/react in real Chromium: React apps bundled with esbuild (React,
// react-dom, coinop and coinop/react in one file, so coinop/react must share
// coinop's default client), against the real relay.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join as joinPath } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { BROWSER_TEST, browserEnvForFile } from "./browser_support.mjs";
import { roomCode } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const WAIT = { timeout: 15000 };
const tmp = mkdtempSync(joinPath(tmpdir(), "coinop-react-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Bundles the test apps; served beside dist/index.js's code so that its Wasm URL (./wasm/…) resolves. */
async function bundles() {
  await esbuild.build({
    entryPoints: ["app.jsx", "hooks.jsx"].map((app) => joinPath(here, "react", app)),
    outdir: tmp,
    bundle: true,
    format: "esm",
    jsx: "automatic",
    alias: { coinop: joinPath(here, "..", "dist", "index.js"), "coinop/react": joinPath(here, "..", "dist", "react.js") },
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  return { "/dist/__react_app.js": joinPath(tmp, "app.js"), "/dist/__react_hooks.js": joinPath(tmp, "hooks.js") };
}

const env = browserEnvForFile("test/react/index.html", bundles);

async function openPage(path, query) {
  const page = await (await env.browser.newContext()).newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(`${env.server.base}${path}?${new URLSearchParams({ relay: env.relay.url, ...query })}`);
  return page;
}

test("useMultiplayerState, usePlayersList and useIsHost across two pages", BROWSER_TEST, async () => {
  const code = roomCode();
  const pages = [];
  for (const name of ["ann", "bob"]) {
    const page = await openPage("/", { room: code, name });
    await page.locator("#role").waitFor(WAIT); // joined and rendered
    pages.push(page);
  }
  const [ann, bob] = pages;
  try {
    for (const page of pages) await page.waitForFunction(() => document.querySelectorAll("#players li").length === 2, null, WAIT);
    assert.deepEqual(await bob.locator("#players li").allInnerTexts(), ["ann", "bob"]);
    assert.equal(await ann.locator("#role").innerText(), "host");
    assert.equal(await bob.locator("#role").innerText(), "guest");

    await bob.getByRole("button", { name: "Add" }).click();
    await ann.locator("#count", { hasText: "1" }).waitFor(WAIT);
    await ann.getByRole("button", { name: "Add" }).click();
    for (const page of pages) await page.locator("#count", { hasText: "2" }).waitFor(WAIT);

    // The host leaves: bob's list shrinks and he becomes host.
    await ann.getByRole("button", { name: "Leave" }).click();
    await bob.waitForFunction(() => document.querySelectorAll("#players li").length === 1, null, WAIT);
    await bob.locator("#role", { hasText: "host" }).waitFor(WAIT);
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
});

test("every hook follows updates and argument changes, and unsubscribes on unmount", BROWSER_TEST, async () => {
  const page = await openPage("/test/react/hooks.html", { room: roomCode() });
  /** Waits until the output `id` shows `value`. */
  const shows = (id, value) => page.waitForFunction(([id, value]) => document.getElementById(id)?.textContent === value, [id, value], WAIT);
  try {
    await page.waitForFunction(() => document.title === "ready", null, WAIT);
    let now = await page.evaluate(() => window.hooks.render({}));
    assert.deepEqual([now.room, now.mine, now.host], ["-", "-", "true"]);
    await shows("players", "ann,bob"); // once ann has seen bob join
    assert.deepEqual(await page.evaluate(() => window.hooks.text()), { room: "-", mine: "-", players: "ann,bob", states: "ann=-,bob=-", host: "true" });

    // Updates written by the other client.
    await page.evaluate(() => {
      const { bob } = window.hooks.clients;
      bob.setState("a", 1);
      bob.setState("b", 2);
      bob.myPlayer().setState("lives", 3, true);
      bob.myPlayer().setState("score", 5, true); // last: once it shows, so do the others
    });
    await shows("room", "1");
    await shows("states", "ann=-,bob=5");

    // New arguments show in the very render that passes them.
    now = await page.evaluate(() => window.hooks.render({ roomKey: "b" }));
    assert.equal(now.room, "2");
    now = await page.evaluate(() => window.hooks.render({ roomKey: "b", who: "bob" }));
    assert.equal(now.mine, "5");
    now = await page.evaluate(() => window.hooks.render({ roomKey: "b", who: "bob", playerKey: "lives" }));
    assert.deepEqual([now.mine, now.states], ["3", "ann=-,bob=3"]);

    // ...and later updates follow the new arguments, not the first ones.
    await page.evaluate(() => {
      const { bob } = window.hooks.clients;
      bob.setState("b", 4);
      bob.myPlayer().setState("lives", 2, true);
    });
    await shows("room", "4");
    await shows("mine", "2");
    await page.evaluate(() => window.hooks.clients.bob.setState("a", 9));
    await page.waitForFunction(() => window.hooks.clients.ann.getState("a") === 9, null, WAIT);
    assert.equal((await page.evaluate(() => window.hooks.text())).room, "4");

    // The setters write the current key (and player).
    await page.getByRole("button", { name: "set room" }).click();
    await page.waitForFunction(() => window.hooks.clients.bob.getState("b") === "4!", null, WAIT);
    await page.getByRole("button", { name: "set mine" }).click();
    await shows("mine", "2!");
    assert.equal(await page.evaluate(() => window.hooks.clients.ann.getState("a")), 9);

    // A new client re-subscribes: the hook moves from ann's events to bob's.
    const live = () => page.evaluate(() => [window.hooks.clients.ann.live, window.hooks.clients.bob.live]);
    assert.deepEqual(await live(), [5, 0]);
    now = await page.evaluate(() => window.hooks.render({ roomKey: "b", roomClient: "bob", who: "bob", playerKey: "lives" }));
    assert.equal(now.room, "4!");
    assert.deepEqual(await live(), [4, 1]);

    // Host and player list.
    await page.evaluate(() => window.hooks.clients.ann.transferHost(window.hooks.clients.bob.myPlayer().id));
    await shows("host", "false");
    await page.evaluate(() => window.hooks.render({ roomKey: "b", who: "ann", playerKey: "lives" }));
    await page.evaluate(() => window.hooks.clients.bob.leaveRoom());
    await shows("players", "ann");
    await shows("host", "true");
    await shows("states", "ann=-");

    // Unmounted: no subscription is left, and changes render nothing.
    await page.evaluate(() => window.hooks.unmount());
    assert.deepEqual(await live(), [0, 0]);
    const renders = await page.evaluate(() => window.hooks.renders());
    await page.evaluate(() => window.hooks.clients.ann.setState("b", "after"));
    await page.waitForFunction(() => window.hooks.clients.ann.getState("b") === "after", null, WAIT);
    assert.equal(await page.evaluate(() => window.hooks.renders()), renders);
  } finally {
    await page.context().close();
  }
});
