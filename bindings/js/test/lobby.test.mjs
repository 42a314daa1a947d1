// The lobby, end to end: real relay, real headless Chromium pages loading the
// package through an import map, driven like a user would (roles, labels).
import assert from "node:assert/strict";
import { join as joinPath } from "node:path";
import { test } from "node:test";
import { artifactsDir, BROWSER_TEST as T, browserEnvForFile } from "./browser_support.mjs";
import { join, roomCode } from "./support.mjs";

const WAIT = { timeout: 15000 };
const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true };

const env = browserEnvForFile("test/browser/lobby.html");

/** A new player (own context, so own localStorage) on the lobby page of room `code`. */
async function openPlayer(code, { max, bots, contextOptions = {} } = {}) {
  const context = await env.browser.newContext(contextOptions);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  const query = new URLSearchParams({ relay: env.relay.url });
  if (max) query.set("max", String(max));
  if (bots) query.set("bots", "1");
  await page.goto(`${env.server.base}/?${query}#r=${code}`);
  return page;
}

const lobby = (page) => page.locator("coinop-lobby");
const rows = (page) => page.locator("coinop-lobby li");
const shot = (page, name) => page.screenshot({ path: joinPath(artifactsDir(), `lobby-${name}.png`) });

test("two players meet in the lobby, rename live, and the host launches for both", T, async () => {
  const code = roomCode();
  // The host is on a phone-sized screen: everything must fit and be reachable.
  const host = await openPlayer(code, { contextOptions: PHONE });
  const launch = host.getByRole("button", { name: "Launch", exact: true });
  await launch.waitFor(WAIT);
  const guest = await openPlayer(code, { contextOptions: { permissions: ["clipboard-read", "clipboard-write"] } });
  for (const page of [host, guest]) await rows(page).nth(1).waitFor(WAIT);
  assert.equal(await rows(host).count(), 2);
  assert.equal(await rows(guest).count(), 2);

  // Only the host can launch; the guest is told to wait.
  assert.equal(await guest.getByRole("button", { name: "Launch" }).count(), 0);
  await guest.getByText("Waiting for the host").waitFor(WAIT);
  assert.ok(await host.getByRole("img", { name: "QR code to join this room" }).locator("svg").isVisible());
  const link = await guest.getByLabel("Share link").inputValue();
  assert.equal(new URL(link).hash, `#r=${code}`);
  assert.equal(new URL(host.url()).hash, `#r=${code}`);
  await guest.getByRole("button", { name: "Copy" }).click();
  await guest.getByRole("status").filter({ hasText: "Link copied" }).waitFor(WAIT);
  assert.equal(await guest.evaluate(() => navigator.clipboard.readText()), link);

  // Keyboard: a new name, committed with Enter, shows on the other page.
  const name = guest.getByLabel("Name", { exact: true });
  await name.click();
  await name.press("Control+a");
  await name.pressSequentially("Zed the Great");
  await name.press("Enter");
  await host.locator("coinop-lobby li", { hasText: "Zed the Great" }).waitFor(WAIT);
  await guest.getByLabel("Avatar").selectOption({ label: "🦊 Fox" });
  await host.locator("coinop-lobby li", { hasText: "🦊" }).waitFor(WAIT);

  // Styles stay scoped both ways.
  const lobbyColor = await host.evaluate(() => getComputedStyle(document.querySelector("coinop-lobby").shadowRoot.querySelector("h2")).color);
  assert.notEqual(lobbyColor, "rgb(255, 0, 0)", "page styles leaked into the lobby");
  const pageLi = await host.evaluate(() => getComputedStyle(document.getElementById("page-li")).borderBottomStyle);
  assert.equal(pageLi, "none", "lobby styles leaked into the page");

  // Phone: the Launch button is on screen and nothing scrolls sideways.
  const box = await launch.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 640 && box.x >= 0 && box.x + box.width <= 360, JSON.stringify(box));
  assert.ok(await host.evaluate(() => document.documentElement.scrollWidth <= 360));
  await shot(host, "host-phone");
  await shot(guest, "guest");

  await launch.press("Enter"); // a real button: the keyboard works
  for (const page of [host, guest]) {
    await page.waitForFunction(() => window.launched, null, WAIT);
    assert.equal(await lobby(page).count(), 0);
    assert.equal((await page.evaluate(() => window.launched)).players, 2);
  }

  // A player who comes after the launch never sees the lobby.
  const late = await openPlayer(code, { contextOptions: PHONE });
  await late.waitForFunction(() => window.launched, null, WAIT);
  assert.equal(await late.evaluate(() => window.lobbySeen), false);
  assert.equal((await late.evaluate(() => window.launched)).players, 3);
  await shot(late, "late-phone");
  // And the guest's reload (same player, same room from #r=) skips it too.
  await guest.reload();
  await guest.waitForFunction(() => window.launched, null, WAIT);
  assert.equal(await guest.evaluate(() => window.lobbySeen), false);
  await Promise.all([host, guest, late].map((p) => p.context().close()));
});

test("a full room shows 'room is full' and insertCoin rejects", T, async () => {
  const code = roomCode();
  const a = await join(env.relay, code, { maxPlayersPerRoom: 2 });
  const b = await join(env.relay, code);
  const page = await openPlayer(code, { max: 2, contextOptions: PHONE });
  try {
    await page.waitForFunction(() => window.joinError, null, WAIT);
    assert.equal(await page.evaluate(() => window.joinError), "ROOM_LIMIT_EXCEEDED");
    const alert = page.getByRole("alert");
    assert.match(await alert.innerText(), /room is full/);
    await shot(page, "room-full");
    await page.keyboard.press("Escape");
    await lobby(page).waitFor({ state: "detached", ...WAIT });
  } finally {
    await page.context().close();
    await Promise.all([a.leaveRoom(), b.leaveRoom()]);
  }
});

test("the host kicks a player from the lobby", T, async () => {
  const code = roomCode();
  const host = await openPlayer(code);
  await host.getByRole("button", { name: "Launch", exact: true }).waitFor(WAIT);
  const guest = await openPlayer(code);
  try {
    await rows(host).nth(1).waitFor(WAIT);
    const guestName = await guest.getByLabel("Name", { exact: true }).inputValue();
    assert.equal(await guest.getByRole("button", { name: /^Kick/ }).count(), 0, "only the host may kick");
    // Keyboard: Tab walks the dialog's controls in order and stays inside it.
    const focusOrder = [];
    for (let i = 0; i < 9; i++) {
      await host.keyboard.press("Tab");
      focusOrder.push(
        await host.evaluate(() => {
          const el = document.activeElement?.shadowRoot?.activeElement;
          return document.activeElement?.localName === "coinop-lobby" && el ? el.getAttribute("aria-label") || el.id || el.textContent : "outside";
        }),
      );
    }
    assert.deepEqual(focusOrder.slice(0, 8), [`Kick ${guestName}`, "coinop-name", "coinop-avatar", "coinop-color", "coinop-link", "Copy", "Launch", `Kick ${guestName}`]);
    await host.getByRole("button", { name: `Kick ${guestName}` }).click();
    await guest.waitForFunction(() => window.joinError, null, WAIT);
    assert.equal(await guest.evaluate(() => window.joinError), "KICKED");
    assert.match(await guest.getByRole("alert").innerText(), /removed you/);
    await host.waitForFunction(() => document.querySelector("coinop-lobby").shadowRoot.querySelectorAll("li").length === 1, null, WAIT);
    await shot(guest, "kicked");
  } finally {
    await Promise.all([host, guest].map((p) => p.context().close()));
  }
});

test("leaveRoom() while the lobby waits removes it and rejects insertCoin", T, async () => {
  const code = roomCode();
  const page = await openPlayer(code);
  try {
    await page.getByRole("button", { name: "Launch", exact: true }).waitFor(WAIT);
    await page.evaluate(() => window.leaveRoom());
    await page.waitForFunction(() => window.joinError, null, WAIT);
    assert.equal(await page.evaluate(() => window.joinError), "LEFT_ROOM");
    await lobby(page).waitFor({ state: "detached", ...WAIT });
    // Joining again afterwards works: the lobby comes back for the same room.
    await page.reload();
    await page.getByRole("button", { name: "Launch", exact: true }).waitFor(WAIT);
  } finally {
    await page.context().close();
  }
});

test("the host adds bots from the lobby until the room is full; a guest has no such button", T, async () => {
  const code = roomCode();
  const host = await openPlayer(code, { max: 3, bots: true, contextOptions: PHONE });
  const addBot = host.getByRole("button", { name: "Add bot" });
  await addBot.waitFor(WAIT);
  const guest = await openPlayer(code, { max: 3, bots: true });
  try {
    await rows(guest).nth(1).waitFor(WAIT);
    await guest.getByText("Waiting for the host").waitFor(WAIT);
    assert.equal(await guest.getByRole("button", { name: "Add bot" }).count(), 0, "only the host adds bots");

    await addBot.click();
    for (const page of [host, guest]) await page.locator("coinop-lobby li", { hasText: "Bot 1" }).filter({ hasText: "bot" }).waitFor(WAIT);
    await host.getByRole("status").filter({ hasText: "Bot added" }).waitFor(WAIT);
    // Three seats of three: the button goes (bots take seats, as in Playroom).
    await addBot.waitFor({ state: "detached", ...WAIT });
    assert.equal(await rows(host).count(), 3);
    await shot(host, "bot-added");

    // The bot's seat freed: the button is back, and the host launches with the bot seated.
    await host.getByRole("button", { name: "Kick Bot 1" }).click();
    await addBot.waitFor(WAIT);
    await addBot.click();
    await host.waitForFunction(() => document.querySelector("coinop-lobby").shadowRoot.querySelectorAll("li").length === 3, null, WAIT);
    await host.getByRole("button", { name: "Launch", exact: true }).click();
    for (const page of [host, guest]) {
      await page.waitForFunction(() => window.launched, null, WAIT);
      assert.equal((await page.evaluate(() => window.launched)).players, 3);
    }
  } finally {
    await Promise.all([host, guest].map((p) => p.context().close()));
  }
});
