// The package over wss://: the relay serves TLS with a self-signed
// certificate (made here with openssl). A separate Node process that trusts
// it through NODE_EXTRA_CA_CERTS, as a user would, joins and writes; a
// client in this process (the `ws` package given the certificate as `ca`)
// reads the write and answers.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { test } from "node:test";
import WebSocket from "ws";
import { eventually, join, leaveAll, relayForFile, roomCode } from "./support.mjs";

const dir = mkdtempSync(joinPath(tmpdir(), "coinop-wss-"));
const cert = joinPath(dir, "cert.pem");
const key = joinPath(dir, "key.pem");
execFileSync("openssl", [
  "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
  "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  "-keyout", key, "-out", cert,
], { stdio: "ignore" });
const relay = relayForFile(["--tls-cert", cert, "--tls-key", key]);

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
