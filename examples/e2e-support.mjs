// Shared by the examples' browser end-to-end tests: the real relay binary
// serving an example's pages and the built `coinop` package, and real
// headless Chromium (Debian's, driven by playwright-core).
//
// Env: COINOP_RELAY_BIN (the relay binary; default target/debug/coinop-relay),
// CHROMIUM_PATH (default /usr/bin/chromium), COINOP_E2E_ARTIFACTS (where
// screenshots go; default target/e2e-artifacts).
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { startRelay } from "../bindings/js/test/support.mjs";

export { eventually } from "../bindings/js/test/support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..");
/** The built npm package, served to pages at `/coinop/`. */
export const packageDist = join(root, "bindings", "js", "dist");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Why browser tests are skipped on this machine, or false. */
export const skipBrowser = !existsSync(CHROMIUM) && `no ${CHROMIUM}`;
const artifacts = process.env.COINOP_E2E_ARTIFACTS ?? join(root, "target", "e2e-artifacts");

/**
 * Starts the relay serving `site` (a directory) at `/` and the built package
 * at `/coinop/`. Resolves to the relay handle of `bindings/js/test/support.mjs`
 * plus `http`, the page origin.
 */
export async function startSite(site, extraArgs = []) {
  if (!existsSync(join(packageDist, "index.js"))) {
    throw new Error(`${packageDist} is not built: run (cd bindings/js && node build.mjs)`);
  }
  const relay = await startRelay(["--serve", `/coinop/=${packageDist}`, "--serve", `/=${site}`, ...extraArgs]);
  relay.http = relay.url.replace(/^ws:/, "http:");
  return relay;
}

/**
 * For a test file: starts the relay serving `site` and a browser before its
 * tests (unless browser tests are skipped) and stops both after them. The
 * returned object's `relay` and `browser` are set once started.
 */
export function siteUnderTest(site, extraArgs = []) {
  const env = { relay: undefined, browser: undefined };
  before(async () => {
    if (skipBrowser) return;
    env.relay = await startSite(site, extraArgs);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.relay?.stop();
  });
  return env;
}

/** Headless Chromium; close it in `after`. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * A page in its own browser context (own localStorage: a separate player).
 * Page errors and console errors fail loudly in the test output.
 */
export async function newPlayerPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1024, height: 720 }, ...options.context });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.stack ?? e}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`console error: ${m.text()}`);
  });
  return page;
}

/** Saves a full-page screenshot as a test artifact: `<artifacts>/<name>.png`. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
