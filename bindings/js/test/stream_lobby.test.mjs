// Stream mode in the browser: the TV page's lobby shows the room's QR code
// for phones, counts only the phones as players, and the TV launches.
import assert from "node:assert/strict";
import { join as joinPath } from "node:path";
import { test } from "node:test";
import { artifactsDir, BROWSER_TEST as T, browserEnvForFile } from "./browser_support.mjs";
import { roomCode } from "./support.mjs";

const WAIT = { timeout: 15000 };
const env = browserEnvForFile("test/browser/lobby.html");

async function open(code, stream) {
  const page = await (await env.browser.newContext()).newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  const query = new URLSearchParams({ relay: env.relay.url });
  if (stream) query.set("stream", "1");
  await page.goto(`${env.server.base}/?${query}#r=${code}`);
  return page;
}

test("a stream screen's lobby shows the QR for phones and seats only the phones", T, async () => {
  const code = roomCode();
  const tv = await open(code, true);
  const launch = tv.getByRole("button", { name: "Launch", exact: true });
  await launch.waitFor(WAIT);
  assert.ok(await tv.getByRole("img", { name: "QR code to join this room" }).locator("svg").isVisible());
  assert.equal(await tv.getByLabel("Name", { exact: true }).isVisible(), false, "the screen is not a player");
  await tv.getByText("Players (0)").waitFor(WAIT);

  const phone = await open(code, false);
  await tv.getByText("Players (1)").waitFor(WAIT);
  await phone.getByText("Waiting for the host").waitFor(WAIT);
  await tv.screenshot({ path: joinPath(artifactsDir(), "stream-lobby-tv.png") });
  await launch.click();
  for (const page of [tv, phone]) await page.locator("#out", { hasText: "launched" }).waitFor(WAIT);
  const onTv = await tv.evaluate(() => window.launched);
  assert.deepEqual([onTv.streamScreen, onTv.players], [true, 1]);
  const onPhone = await phone.evaluate(() => window.launched);
  assert.deepEqual([onPhone.streamScreen, onPhone.players], [false, 1]);
});
