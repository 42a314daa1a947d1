// coinop/joystick in headless Chromium with touch emulation (CDP touch
// events), against the real relay: the phone page's stick and button land
// in its player's state, where another client's Joystick reads them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Joystick } from "../dist/joystick.js";
import { BROWSER_TEST, browserEnvForFile, joinedPage } from "./browser_support.mjs";
import { eventually, join, leaveAll, roomCode } from "./support.mjs";

const env = browserEnvForFile("test/browser/joystick.html");
const PHONE = { viewport: { width: 400, height: 700 }, isMobile: true, hasTouch: true };

/** The centre of the element matching `selector`. */
async function centre(page, selector) {
  const box = await page.locator(selector).boundingBox();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

test("touching the stick and a button moves the player's joystick state, read by another client", BROWSER_TEST, async () => {
  const code = roomCode();
  const page = await joinedPage(env, { room: code }, PHONE);
  const context = page.context();
  let tv;
  try {
    tv = await join(env.relay, code);
    const phoneId = await page.evaluate(() => window.me);
    const phone = await eventually(() => tv.getPlayer(phoneId), 10000, "the phone's seat");
    const remote = new Joystick(phone);
    assert.equal(remote.isJoystickPressed(), false);

    const touch = await context.newCDPSession(page);
    const stick = await centre(page, ".coinop-joystick-stick");
    const jump = await centre(page, ".coinop-joystick-button");
    const send = (type, touchPoints) => touch.send("Input.dispatchTouchEvent", { type, touchPoints });

    // One finger on the stick, pushed to the right.
    await send("touchStart", [{ ...stick, id: 0 }]);
    await send("touchMove", [{ x: stick.x + 40, y: stick.y, id: 0 }]);
    const local = await page.evaluate(() => ({ held: pad.isJoystickPressed(), dpad: pad.dpad(), angle: pad.angle() }));
    assert.deepEqual(local.dpad, { x: "right" });
    assert.equal(local.held, true);
    assert.ok(Math.abs(local.angle - Math.PI / 2) < 0.01, `angle ${local.angle}`);
    await eventually(() => remote.dpad().x === "right" && remote.isJoystickPressed(), 5000, "the reader sees the push");
    assert.ok(Math.abs(remote.angle() - Math.PI / 2) < 0.01);

    // A second finger on the button while the stick is held.
    await send("touchStart", [{ x: stick.x + 40, y: stick.y, id: 0 }, { ...jump, id: 1 }]);
    await eventually(() => remote.isPressed("jump"), 5000, "the button press");
    await send("touchEnd", []);
    await eventually(() => !remote.isPressed("jump") && !remote.isJoystickPressed(), 5000, "the release");
    assert.deepEqual(remote.dpad(), {});

    // All the way up: the "up" zone presses "boost".
    await send("touchStart", [{ ...stick, id: 0 }]);
    await send("touchMove", [{ x: stick.x, y: stick.y - 100, id: 0 }]);
    await eventually(() => remote.isPressed("boost") && remote.dpad().y === "up", 5000, "the zone");
    await send("touchEnd", []);
    await eventually(() => !remote.isJoystickPressed() && !remote.isPressed("boost"), 5000, "the zone's release");
    assert.deepEqual(await page.evaluate(() => pad.dpad()), {});

    await page.evaluate(() => pad.destroy());
    assert.equal(await page.locator(".coinop-joystick").count(), 0);
  } finally {
    await leaveAll(tv);
    await context.close();
  }
});

test("a dpad joystick snaps a diagonal push to one direction", BROWSER_TEST, async () => {
  const page = await joinedPage(env, { room: roomCode(), type: "dpad" }, PHONE);
  const context = page.context();
  try {
    const touch = await context.newCDPSession(page);
    const stick = await centre(page, ".coinop-joystick-stick");
    await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ ...stick, id: 0 }] });
    await touch.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: stick.x + 40, y: stick.y + 30, id: 0 }] });
    const { dpad, angle } = await page.evaluate(() => ({ dpad: pad.dpad(), angle: pad.angle() }));
    assert.deepEqual(dpad, { x: "right" });
    assert.equal(angle, Math.PI / 2);
  } finally {
    await context.close();
  }
});

test("keyboard: W, A, S, D and the arrows move the stick, and only with the option", BROWSER_TEST, async () => {
  const page = await joinedPage(env, { room: roomCode(), keyboard: "1" });
  const plain = await joinedPage(env, { room: roomCode() });
  const read = (p) => p.evaluate(() => ({ held: pad.isJoystickPressed(), dpad: pad.dpad(), angle: pad.angle() }));
  try {
    await page.keyboard.down("KeyD");
    let now = await read(page);
    assert.deepEqual([now.held, now.dpad], [true, { x: "right" }]);
    assert.ok(Math.abs(now.angle - Math.PI / 2) < 0.01, `angle ${now.angle}`);
    await page.keyboard.down("ArrowUp");
    now = await read(page);
    assert.deepEqual(now.dpad, { x: "right", y: "up" });
    await page.keyboard.up("KeyD");
    await page.keyboard.up("ArrowUp");
    assert.deepEqual(await read(page), { held: false, dpad: {}, angle: 0 });

    await plain.keyboard.down("KeyD");
    assert.deepEqual((await read(plain)).dpad, {}, "no keyboard without the option");
    await plain.keyboard.up("KeyD");
  } finally {
    await Promise.all([page, plain].map((p) => p.context().close()));
  }
});
