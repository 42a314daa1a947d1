// The package over wss://: the relay serves TLS with a self-signed
// certificate (made here with openssl). A separate Node process that trusts
// it through NODE_EXTRA_CA_CERTS, as a user would, joins and writes; a
// client in this process (the `ws` package given the certificate as `ca`)
// reads the write and answers. Headless Chromium (told to accept the
// certificate) loads a page from the relay over https:// and joins over
// wss://.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { test } from "node:test";
import WebSocket from "ws";
import { BROWSER_TEST, launchChromium } from "./browser_support.mjs";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const dir = mkdtempSync(joinPath(tmpdir(), "coinop-wss-"));
const cert = joinPath(dir, "cert.pem");
const key = joinPath(dir, "key.pem");
execFileSync("openssl", [
  "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
  "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  "-keyout", key, "-out", cert,
], { stdio: "ignore" });
const pkg = new URL("..", import.meta.url).pathname;
const relay = relayForFile([
  "--tls-cert", cert, "--tls-key", key,
  // The browser test's page and the package, served by the relay over https://.
  "--serve", `/dist/=${pkg}dist`, "--serve", `/=${pkg}test/browser`,
]);

/** `ws` trusting the relay's certificate. */
class TrustingWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols, { ca: readFileSync(cert) });
  }
}

/** A Node process that joins `room` at `url`, writes, waits for the answer, leaves. */
const child = `
import WebSocket from "ws";
import { createClient, memoryStorage } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
const [url, room] = process.argv.slice(1);
const client = createClient();
await client.insertCoin({ relayUrl: url, roomCode: room, skipLobby: true, WebSocket, storage: memoryStorage() });
client.setState("from", "child");
const deadline = Date.now() + 10000;
while (client.getState("answer") !== "seen" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const seen = client.getState("answer") === "seen";
await client.leaveRoom();
process.exit(seen ? 0 : 1);
`;

test("a Node process trusting the certificate via NODE_EXTRA_CA_CERTS joins over wss://", async () => {
  const url = relay.url.replace("ws://", "wss://");
  const room = roomCode();
  const proc = spawn(process.execPath, ["--input-type=module", "-e", child, url, room], {
    cwd: new URL("..", import.meta.url),
    env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const here = await join({ url }, room, { WebSocket: TrustingWebSocket });
  try {
    await eventually(() => here.getState("from") === "child", 15000, "the child's write over wss");
    here.setState("answer", "seen");
    assert.equal(await exited, 0);
  } finally {
    proc.kill();
    await leaveAll(here);
  }
});

test("Chromium loads a page over https:// from the relay and joins over wss://", BROWSER_TEST, async () => {
  const https = relay.url.replace("ws://", "https://");
  const room = roomCode();
  // Only a test may wave the self-signed certificate through like this.
  const browser = await launchChromium(["--ignore-certificate-errors"]);
  const here = await join({ url: relay.url.replace("ws://", "wss://") }, room, { WebSocket: TrustingWebSocket });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    const query = new URLSearchParams({ relay: https.replace("https://", "wss://"), room, greet: "over tls" });
    await page.goto(`${https}/page.html?${query}`);
    await page.waitForFunction(() => document.title === "players=2 greeting=over tls", null, { timeout: 15000 });
    await eventually(() => here.getState("greeting") === "over tls", 5000, "the page's write");
  } finally {
    await browser.close();
    await leaveAll(here);
  }
});
