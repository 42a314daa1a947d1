// The built package's shape: `import "coinop"` by name works in Node,
// dist/index.js is self-contained (a plain directory with an import map can
// serve it), and coinop/react reuses coinop's module (one default client).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const read = (file) => readFileSync(new URL(`../dist/${file}`, import.meta.url), "utf8");
// Statements of the (minified) bundle: `import{a as b}from"react";import ...`.
const imports = (code) => [...code.matchAll(/(?:^|[;}\s])(?:import|export)\s*[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);

test("the package imports by name in Node, with every entry point", async () => {
  const coinop = await import("coinop");
  const react = await import("coinop/react");
  const joystick = await import("coinop/joystick");
  assert.equal(typeof joystick.Joystick, "function");
  assert.equal(typeof coinop.Bot, "function");
  assert.equal(typeof coinop.addBot, "function");
  assert.equal(typeof coinop.insertCoin, "function");
  assert.equal(typeof coinop.listMyRooms, "function");
  for (const name of ["deleteMyRoom", "deleteRoom", "unbanPlayer"]) assert.equal(typeof coinop[name], "function", name);
  assert.equal(typeof coinop.getIdentity, "function");
  assert.equal(typeof react.useMultiplayerState, "function");
  assert.equal(coinop.getIdentity(), undefined);
});

test("dist/index.js and dist/joystick.js have no bare imports; dist/react.js imports only ./index.js and react", () => {
  assert.deepEqual(imports(read("index.js")), []);
  // The joystick reads and writes through the PlayerState it is given: no second copy of the core.
  assert.deepEqual(imports(read("joystick.js")), []);
  assert.doesNotMatch(read("joystick.js"), /WasmRoom/);
  assert.deepEqual(imports(read("react.js")).sort(), ["./index.js", "react"]);
  // The Wasm is found next to the bundle.
  assert.match(read("index.js"), /new URL\("\.\/wasm\/coinop_wasm_bg\.wasm",\s*import\.meta\.url\)/);
  readFileSync(new URL("../dist/wasm/coinop_wasm_bg.wasm", import.meta.url));
  for (const types of ["index.d.ts", "react.d.ts", "joystick.d.ts"]) assert.ok(read(types).length > 0);
});
