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

/** Bundles the test app; served beside dist/index.js's code so that its Wasm URL (./wasm/…) resolves. */
async function bundles() {
  await esbuild.build({
    entryPoints: { app: joinPath(here, "react", "app.jsx") },
    outdir: tmp,
    bundle: true,
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    alias: { coinop: joinPath(here, "..", "dist", "index.js"), "coinop/react": joinPath(here, "..", "dist", "react.js") },
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  return { "/dist/__react_app.js": joinPath(tmp, "app.js") };
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
