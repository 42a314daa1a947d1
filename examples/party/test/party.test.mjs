// The party arena, end to end: the real relay serves the site and the built
// coinop package, and real headless Chromium plays a TV (a stream screen),
// phones with touch (CDP touch events on the joystick) and a quick game
// found by matchmaking, each page in its own browser context (own player).
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { newPlayerPage, screenshot, siteUnderTest, skipBrowser } from "../../e2e-support.mjs";

const site = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
// A short grace period: a phone that closes frees its seat (for a bot) in 1.5 s.
const env = siteUnderTest(site, ["--grace-period-ms", "1500"]);
const WAIT = { timeout: 15000 };
const PHONE = { viewport: { width: 400, height: 700 }, context: { isMobile: true, hasTouch: true } };

/** A dot's position on `page`'s arena, or undefined while it has none. */
async function dotAt(page, id) {
  const data = await page.locator(`#arena .dot[data-id="${id}"]`).evaluate((el) => ({ ...el.dataset })).catch(() => undefined);
  return data?.x === undefined ? undefined : { x: Number(data.x), y: Number(data.y) };
}

/** Waits until `page` shows the dot of player `id` where `ok(pos)` holds; resolves to that position. */
async function waitDot(page, id, ok, what) {
  const until = Date.now() + WAIT.timeout;
  let pos;
  while (Date.now() < until) {
    pos = await dotAt(page, id);
    if (pos && ok(pos)) return pos;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what}: the dot of ${id} is at ${JSON.stringify(pos)}`);
}

/** A phone's page once the game has started on it; resolves to its player id. */
async function playing(page) {
  await page.locator("#game").waitFor({ state: "visible", ...WAIT });
  await page.locator(".coinop-joystick-stick").waitFor(WAIT);
  return page.evaluate(() => document.body.dataset.playerId);
}

test("a party: the TV's QR link seats two phones, bots fill empty seats, a phone's joystick moves its dot on the TV and scores", { skip: skipBrowser, timeout: 90000 }, async () => {
  const tv = await newPlayerPage(env.browser, { viewport: { width: 1280, height: 720 } });
  await tv.goto(`${env.relay.http}/tv.html`);
  // The stream screen's lobby: the room's link and QR code, and no profile of its own.
  const linkField = tv.locator("#coinop-link");
  await linkField.waitFor(WAIT);
  const link = await linkField.inputValue();
  assert.match(link, new RegExp(`^${env.relay.http}/#r=[A-Za-z0-9_-]+$`), "the QR code's link is the phones' page");
  assert.ok(await tv.getByRole("img", { name: "QR code to join this room" }).locator("svg").isVisible());
  await tv.getByText("Players (0)").waitFor(WAIT);
  const code = link.split("#r=")[1];

  const ada = await newPlayerPage(env.browser, PHONE);
  const bob = await newPlayerPage(env.browser, PHONE);
  for (const phone of [ada, bob]) await phone.goto(link);
  await tv.getByText("Players (2)").waitFor(WAIT);
  await ada.getByText("Waiting for the host").waitFor(WAIT);
  await screenshot(tv, "party-1-tv-lobby");
  await tv.getByRole("button", { name: "Launch", exact: true }).click();

  const [adaId, bobId] = [await playing(ada), await playing(bob)];
  await tv.locator("#game").waitFor({ state: "visible", ...WAIT });
  assert.equal(await tv.textContent("#room-code"), code);
  assert.equal(await tv.locator(".coinop-joystick").count(), 0, "the TV draws no joystick");

  // Three seats on the TV: the two phones and the bot the host seated (the TV itself takes none).
  await tv.waitForFunction(() => document.querySelectorAll("#arena .dot").length === 3, null, WAIT);
  const botId = await tv.locator('#arena .dot[data-bot="true"]').getAttribute("data-id");
  assert.ok(botId && botId !== adaId && botId !== bobId);
  assert.match(await tv.textContent(`#scores li[data-id="${botId}"]`), /\(bot\)/);
  for (const phone of [ada, bob]) await phone.waitForFunction(() => document.querySelectorAll("#arena .dot").length === 3, null, WAIT);
  // The bot moves by itself.
  const botFrom = await waitDot(tv, botId, () => true, "the bot's dot");
  await waitDot(tv, botId, (p) => Math.hypot(p.x - botFrom.x, p.y - botFrom.y) > 0.05, "the bot moving");

  // Ada pushes her stick towards the far side; the TV sees her dot go there, Bob's stays put.
  const from = await waitDot(tv, adaId, () => true, "Ada's dot");
  const bobFrom = await waitDot(tv, bobId, () => true, "Bob's dot");
  const right = from.x < 0.5;
  const stick = await ada.locator(".coinop-joystick-stick").boundingBox();
  const centre = { x: stick.x + stick.width / 2, y: stick.y + stick.height / 2 };
  const touch = await ada.context().newCDPSession(ada);
  const send = (type, touchPoints) => touch.send("Input.dispatchTouchEvent", { type, touchPoints });
  await send("touchStart", [{ ...centre, id: 0 }]);
  await send("touchMove", [{ x: centre.x + (right ? 60 : -60), y: centre.y, id: 0 }]);
  const moved = await waitDot(tv, adaId, (p) => (right ? p.x - from.x : from.x - p.x) > 0.2, "Ada's dot on the TV");
  assert.ok(Math.abs(moved.y - from.y) < 0.05, `a sideways push keeps y: ${from.y} → ${moved.y}`);
  await waitDot(ada, adaId, (p) => Math.abs(p.x - moved.x) < 0.3, "Ada's own screen follows");
  await screenshot(tv, "party-2-tv-game");
  await screenshot(ada, "party-3-phone-joystick");
  await send("touchEnd", []);
  // Released: the dot stops.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stopped = await dotAt(tv, adaId);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual(await dotAt(tv, adaId), stopped, "the dot stops when the stick is let go");
  assert.deepEqual(await dotAt(tv, bobId), bobFrom, "Bob did not touch his stick");

  // Ada steers to the coin (the test reads the TV and pushes her stick towards it) and scores.
  const scoreOf = async (page, id) => Number(await page.locator(`#scores li[data-id="${id}"]`).getAttribute("data-score"));
  const until = Date.now() + 20000;
  await send("touchStart", [{ ...centre, id: 0 }]);
  while ((await scoreOf(tv, adaId)) < 1) {
    assert.ok(Date.now() < until, "Ada reaches the coin within 20 s");
    const [coin, dot] = [await tv.locator("#coin").evaluate((el) => ({ x: Number(el.dataset.x), y: Number(el.dataset.y) })), await dotAt(tv, adaId)];
    const [dx, dy] = [coin.x - dot.x, coin.y - dot.y];
    const norm = Math.hypot(dx, dy) || 1;
    await send("touchMove", [{ x: centre.x + (60 * dx) / norm, y: centre.y + (60 * dy) / norm, id: 0 }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await send("touchEnd", []);
  await ada.locator("#me", { hasText: /score [1-9]/ }).waitFor(WAIT);
  await bob.locator(`#scores li[data-id="${adaId}"]:not([data-score="0"])`).waitFor(WAIT);

  // Bob's phone closes: once his seat is free, the host seats another bot in it.
  await bob.context().close();
  await tv.waitForFunction(
    (gone) => !document.querySelector(`#arena .dot[data-id="${gone}"]`) && document.querySelectorAll('#arena .dot[data-bot="true"]').length === 2,
    bobId,
    WAIT,
  );
  assert.equal(await tv.locator("#arena .dot").count(), 3, "Ada and two bots");
  await screenshot(tv, "party-5-tv-bot-took-the-seat");

  // The game runs, and the TV still shows the QR code: a phone that scans it now joins the game.
  const badge = tv.getByRole("complementary", { name: "Join this game" });
  assert.ok(await badge.getByRole("img", { name: "QR code to join this room" }).locator("svg").isVisible());
  assert.match(await badge.innerText(), new RegExp(code));
  const lateLink = await badge.getByRole("link").getAttribute("href");
  assert.equal(lateLink, link, "the same link as the lobby's");
  assert.equal(await ada.locator("coinop-join").count(), 0, "phones show no badge");
  const carl = await newPlayerPage(env.browser, PHONE);
  await carl.goto(lateLink);
  const carlId = await playing(carl);
  await waitDot(tv, carlId, () => true, "the late phone's dot on the TV");
  await screenshot(tv, "party-6-tv-late-phone");
});

test("a quick game: two pages matchmaking for the game land in the same public room", { skip: skipBrowser, timeout: 60000 }, async () => {
  const first = await newPlayerPage(env.browser, PHONE);
  await first.goto(`${env.relay.http}/?wait=1000`);
  await first.click("#quick");
  const firstId = await playing(first);
  const code = await first.textContent("#room-code");
  assert.match(first.url(), new RegExp(`#r=${code}&quick$`), "a reload rejoins this game");

  const second = await newPlayerPage(env.browser, PHONE);
  await second.goto(`${env.relay.http}/?wait=1000`);
  await second.click("#quick");
  const secondId = await playing(second);
  assert.equal(await second.textContent("#room-code"), code, "matchmaking seats the second page in the first one's room");
  // No lobby, no TV: the first page is host, runs the game and seats bots up to three players.
  for (const page of [first, second]) {
    for (const id of [firstId, secondId]) await page.locator(`#scores li[data-id="${id}"]`).waitFor(WAIT);
    await page.locator('#arena .dot[data-bot="true"]').first().waitFor(WAIT);
  }
  await screenshot(second, "party-4-quick-game");
  // A reload rejoins the same game as the same player, without matchmaking again.
  await second.reload();
  assert.equal(await playing(second), secondId);
  assert.equal(await second.textContent("#room-code"), code);
});

test("a link to a game that does not exist says so", { skip: skipBrowser, timeout: 30000 }, async () => {
  const phone = await newPlayerPage(env.browser, PHONE);
  await phone.goto(`${env.relay.http}/#r=NO-SUCH-GAME`);
  await phone.locator("#error", { hasText: "There is no game with that link." }).waitFor(WAIT);
});
