// The arena's rules in Node (no browser, no relay).
import assert from "node:assert/strict";
import { test } from "node:test";
import { botsNeeded, heading, PICKUP_RADIUS, randomSpot, SPEED, step, takesCoin } from "../web/rules.js";

test("a full push moves SPEED arena widths a second and stops at the walls", () => {
  assert.deepEqual(step({ x: 0.5, y: 0.5 }, { x: 1, y: 0 }, 1000), { x: 0.5 + SPEED, y: 0.5 });
  assert.deepEqual(step({ x: 0.9, y: 0.05 }, { x: 1, y: -1 }, 1000), { x: 1, y: 0 });
  assert.deepEqual(step({ x: 0.3, y: 0.3 }, {}, 1000), { x: 0.3, y: 0.3 });
});

test("the coin is taken within the pickup radius only", () => {
  assert.ok(takesCoin({ x: 0.5, y: 0.5 }, { x: 0.5 + PICKUP_RADIUS * 0.9, y: 0.5 }));
  assert.ok(!takesCoin({ x: 0.5, y: 0.5 }, { x: 0.5 + PICKUP_RADIUS * 1.1, y: 0.5 }));
  assert.ok(!takesCoin({ x: 0.5, y: 0.5 }, undefined));
});

test("bots fill the seats up to the minimum, never fewer than none", () => {
  assert.equal(botsNeeded(2, 3), 1);
  assert.equal(botsNeeded(0, 3), 3);
  assert.equal(botsNeeded(5, 3), 0);
});

test("spots stay away from the walls, headings have unit length", () => {
  assert.deepEqual(randomSpot(() => 0), { x: 0.1, y: 0.1 });
  assert.deepEqual(randomSpot(() => 1), { x: 0.9, y: 0.9 });
  const h = heading(1.234);
  assert.ok(Math.abs(Math.hypot(h.x, h.y) - 1) < 0.002);
});
