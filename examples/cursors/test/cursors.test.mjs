// Live cursors, end to end: the real relay serves the page and the built
// coinop package; two tabs of one headless Chromium profile (own players:
// the page keeps identities per tab) join through the lobby, move their
// mice and see each other's cursor.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { newPlayerPage, screenshot, siteUnderTest, skipBrowser } from "../../e2e-support.mjs";

const site = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
/** Longest wait for any one step. */
const STEP_MS = 15000;

const env = siteUnderTest(site);

/** Polls the async `check` until it is truthy, for at most `ms`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The room code the SDK wrote into the page URL (`#r=CODE`). */
async function roomCodeOf(page) {
  await page.waitForFunction(() => /[#&]r=[A-Za-z0-9_-]+/.test(location.hash), null, { timeout: STEP_MS });
  return /[#&]r=([A-Za-z0-9_-]+)/.exec(await page.evaluate(() => location.hash))[1];
}

/** Waits until the app runs (insertCoin resolved); returns this player's name and colour. */
async function ready(page) {
  await page.waitForSelector("body[data-ready=true]", { timeout: STEP_MS });
  const name = (await page.textContent("#me")).replace(/^You are /, "");
  return { name, color: await page.getAttribute("#me", "data-color") };
}

/** The cursor `page` draws for the player named `name`: its box, or null. */
async function cursorOf(page, name) {
  return page.evaluate((name) => {
    const el = [...document.querySelectorAll(".cursor")].find((c) => c.querySelector(".name")?.textContent === name);
    if (!el || el.hidden) return null;
    const board = document.getElementById("board").getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return { x: box.left - board.left, y: box.top - board.top, color: el.dataset.color };
  }, name);
}

/** Moves the mouse to (x, y) in board coordinates, in a few steps. */
async function moveOnBoard(page, x, y) {
  const board = await page.locator("#board").boundingBox();
  await page.mouse.move(board.x + x - 20, board.y + y - 20);
  await page.mouse.move(board.x + x, board.y + y, { steps: 4 });
}

async function seesCursorNear(page, name, x, y) {
  let last;
  await until(
    async () => {
      last = await cursorOf(page, name);
      return last && Math.abs(last.x - x) <= 3 && Math.abs(last.y - y) <= 3;
    },
    STEP_MS,
    () => `cursor of ${name}: ${JSON.stringify(last)}, expected near (${x}, ${y})`,
  );
  return last;
}

test("two tabs join through the lobby, see each other's named cursors, and a closed tab's cursor goes", { skip: skipBrowser, timeout: 90000 }, async () => {
  // Two tabs of one browser profile (shared localStorage), both at the
  // plain address, as the launcher says: two players, one room.
  const alice = await newPlayerPage(env.browser);
  await alice.goto(`${env.relay.http}/`);
  const code = await roomCodeOf(alice);
  const bob = await alice.context().newPage();
  bob.on("pageerror", (e) => console.error(`page error: ${e.stack ?? e}`));
  await bob.goto(`${env.relay.http}/`);

  // The lobby (if this build of coinop has one): the host launches.
  const launch = alice.getByRole("button", { name: "Launch" });
  const started = await Promise.race([
    launch.waitFor({ timeout: STEP_MS }).then(() => "lobby"),
    alice.waitForSelector("body[data-ready=true]", { timeout: STEP_MS }).then(() => "no lobby"),
  ]);
  if (started === "lobby") {
    // Launch once Bob is seated, so the screenshot shows both.
    await bob.getByRole("button", { name: "Launch" }).or(bob.locator("coinop-lobby")).first().waitFor({ timeout: STEP_MS });
    await screenshot(alice, "cursors-1-lobby");
    await launch.click();
  }
  const { name: aliceName, color: aliceColor } = await ready(alice);
  const { name: bobName, color: bobColor } = await ready(bob);
  assert.notEqual(aliceName, bobName);
  assert.equal(await roomCodeOf(bob), code);

  await moveOnBoard(alice, 200, 150);
  await moveOnBoard(bob, 420, 260);
  const aliceSeen = await seesCursorNear(bob, aliceName, 200, 150);
  const bobSeen = await seesCursorNear(alice, bobName, 420, 260);
  // Each in its player's colour (palette colours may coincide, names do not).
  assert.match(aliceColor, /^#[0-9a-f]{6}$/i);
  assert.equal(aliceSeen.color, aliceColor);
  assert.equal(bobSeen.color, bobColor);
  // Nobody draws their own cursor.
  assert.equal(await cursorOf(alice, aliceName), null);
  assert.equal(await cursorOf(bob, bobName), null);

  // The cursors went over the unreliable channel (the relay's inspector
  // counts messages per channel; the test runs on loopback, so it may ask).
  const rooms = await (await fetch(`${env.relay.http}/api/rooms`)).json();
  const room = rooms.rooms.find((r) => r.code === code);
  assert.ok(room?.unreliable_total >= 2, `relay saw ${JSON.stringify(room)}`);

  // It follows the mouse.
  await moveOnBoard(alice, 520, 330);
  await seesCursorNear(bob, aliceName, 520, 330);
  await screenshot(bob, "cursors-2-bob-sees-alice");
  await screenshot(alice, "cursors-3-alice-sees-bob");

  // The relay's inspector page shows the room and both players.
  const inspector = await newPlayerPage(env.browser);
  await inspector.goto(`${env.relay.http}/inspect`);
  const row = inspector.locator("#rooms tr", { hasText: code });
  await row.getByText(aliceName).waitFor({ timeout: STEP_MS });
  await row.getByText(bobName).waitFor({ timeout: STEP_MS });
  await screenshot(inspector, "cursors-inspector");
  await inspector.context().close();

  // Alice closes her tab: her cursor goes from Bob's screen.
  await alice.close();
  await until(async () => (await bob.locator(".cursor").count()) === 0, STEP_MS, () => "Alice's cursor stayed after she closed her page");
  await screenshot(bob, "cursors-4-alice-left");
  await bob.context().close();
});
