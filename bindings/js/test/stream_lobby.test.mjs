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

  // After the launch the TV keeps the QR code, the code and the link on screen for late phones.
  const badge = tv.getByRole("complementary", { name: "Join this game" });
  await badge.waitFor(WAIT);
  assert.ok(await badge.getByRole("img", { name: "QR code to join this room" }).locator("svg").isVisible());
  assert.match(await badge.innerText(), new RegExp(code));
  const link = await badge.getByRole("link").getAttribute("href");
  assert.equal(new URL(link).hash, `#r=${code}`);
  assert.equal(await phone.locator("coinop-join").count(), 0, "a phone shows no badge");
  await tv.screenshot({ path: joinPath(artifactsDir(), "stream-tv-after-launch.png") });

  // A phone that scans it now joins the running game, with no lobby.
  const late = await (await env.browser.newContext()).newPage();
  // (This test page says "stream" in its query, so the phone gets the link's room without it.)
  await late.goto(`${env.server.base}/?${new URLSearchParams({ relay: env.relay.url })}${new URL(link).hash}`);
  await late.locator("#out", { hasText: "launched" }).waitFor(WAIT);
  assert.equal(await late.evaluate(() => window.lobbySeen), false);
  await tv.waitForFunction(() => window.getPlayers().length === 2, null, WAIT);

  // The badge goes with the room.
  await tv.evaluate(() => window.leaveRoom());
  await tv.locator("coinop-join").waitFor({ state: "detached", ...WAIT });
  await Promise.all([tv, phone, late].map((p) => p.context().close()));
});
