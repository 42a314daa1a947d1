// coinop/react in real Chromium: a React app bundled with esbuild (React,
// react-dom, coinop and coinop/react in one file, so coinop/react must share
// coinop's default client), two pages in one room.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join as joinPath } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { CHROMIUM, launchChromium, servePackage } from "./browser_support.mjs";
import { roomCode, startRelay } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const WAIT = { timeout: 15000 };

let relay;
let server;
let browser;
let tmp;
before(async () => {
  relay = await startRelay();
  tmp = mkdtempSync(joinPath(tmpdir(), "coinop-react-"));
  const bundle = joinPath(tmp, "app.js");
  await esbuild.build({
    entryPoints: [joinPath(here, "react", "app.jsx")],
    outfile: bundle,
    bundle: true,
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    alias: { coinop: joinPath(here, "..", "dist", "index.js"), "coinop/react": joinPath(here, "..", "dist", "react.js") },
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  // Served beside dist/index.js's code so that its Wasm URL (./wasm/…) resolves.
  server = await servePackage("test/react/index.html", { "/dist/__react_app.js": bundle });
  if (existsSync(CHROMIUM)) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
  await relay?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("useMultiplayerState, usePlayersList and useIsHost across two pages", { timeout: 60000, skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  const code = roomCode();
  const pages = [];
  for (const name of ["ann", "bob"]) {
    const page = await (await browser.newContext()).newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(`${server.base}/?${new URLSearchParams({ relay: relay.url, room: code, name })}`);
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
