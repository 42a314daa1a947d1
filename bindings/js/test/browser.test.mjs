// Two real headless Chromium pages (Debian's chromium, driven by
// playwright-core) in one room see each other's players and state.
import assert from "node:assert/strict";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { roomCode, startRelay } from "./support.mjs";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

let relay;
let server;
let base;
before(async () => {
  relay = await startRelay();
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = normalize(join(pkg, path === "/" ? "test/browser/page.html" : path));
    if (!file.startsWith(pkg) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server?.close();
  await relay?.stop();
});

test("two Chromium pages in one room see each other's players and state", { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const code = roomCode();
    // Two contexts: two separate localStorages, so two players.
    const pages = [];
    for (const greet of ["hello", ""]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error("page error:", e));
      await page.goto(`${base}/?relay=${encodeURIComponent(relay.url)}&room=${code}&greet=${greet}`);
      pages.push(page);
    }
    for (const page of pages) {
      await page.waitForFunction(() => document.title === "players=2 greeting=hello", null, { timeout: 15000 });
    }
    const views = await Promise.all(pages.map((p) => p.evaluate(() => JSON.parse(document.getElementById("out").textContent))));
    assert.notEqual(views[0].me, views[1].me);
    assert.deepEqual([...views[0].players].sort(), [views[0].me, views[1].me].sort());
    assert.deepEqual([...views[1].players].sort(), [views[0].me, views[1].me].sort());
  } finally {
    await browser.close();
  }
});
