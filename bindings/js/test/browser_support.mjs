// Browser test support: a static file server for the package directory and
// Debian's Chromium driven by playwright-core.
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startRelay } from "./support.mjs";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

/** Chromium's path; tests skip when it is missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Serves bindings/js over HTTP on a free loopback port; `/` is `index`, and
 * `extra` maps more URL paths to files anywhere (e.g. a test bundle).
 */
export async function servePackage(index = "test/browser/page.html", extra = {}) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = extra[path] ?? normalize(join(pkg, path === "/" ? index : path));
    if (!(extra[path] || file.startsWith(pkg)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Launches headless Chromium, with `extraArgs` after the usual flags. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** Where screenshots go: $COINOP_E2E_ARTIFACTS, else <repo>/target/e2e-artifacts. */
export function artifactsDir() {
  const dir = process.env.COINOP_E2E_ARTIFACTS ?? join(pkg, "..", "..", "target", "e2e-artifacts");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * What one browser test file needs, started before its tests and stopped
 * after them: `relay`, `server` (the package, with `index` as `/` and the
 * `extra` paths, or a function that makes them) and `browser` (unset without Chromium).
 */
export function browserEnvForFile(index, extra = {}) {
  const env = {};
  before(async () => {
    env.relay = await startRelay();
    env.server = await servePackage(index, typeof extra === "function" ? await extra() : extra);
    if (existsSync(CHROMIUM)) env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
    await env.relay?.stop();
  });
  return env;
}

/** Test options that skip a browser test where Chromium is missing. */
export const BROWSER_TEST = { timeout: 60000, skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` };

/**
 * A new player's page (own context with `contextOptions`) on `env`'s server
 * with the relay and `query` in its URL, once its title says "joined".
 */
export async function joinedPage(env, query, contextOptions = {}) {
  const page = await (await env.browser.newContext(contextOptions)).newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(`${env.server.base}/?${new URLSearchParams({ relay: env.relay.url, ...query })}`);
  await page.waitForFunction(() => document.title === "joined", null, { timeout: 20000 });
  return page;
}
