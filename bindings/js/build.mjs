// Builds the npm package into dist/: the Wasm core (crate coinop-wasm), its
// wasm-bindgen glue, and the TypeScript layer with its .d.ts files.
//
//   node build.mjs               (or: npm run build)
//   node build.mjs --skip-wasm   TypeScript only, reusing src/wasm/ from a full build
//
// Needs cargo; installs the wasm toolchain (../../.ci/setup-wasm) and the
// matching wasm-bindgen-cli when missing.
//
// The TypeScript layer is bundled by esbuild into dist/index.js (with the
// wasm-bindgen glue and the QR code library), so that the package works from
// a plain directory with an import map, where bare imports such as "uqr"
// cannot resolve. dist/react.js is bundled too but imports "./index.js"
// (one default client for both entry points) and "react" (a peer). tsc
// writes only the .d.ts files. The Wasm file stays beside the bundle:
// dist/index.js finds it with new URL("./wasm/coinop_wasm_bg.wasm", import.meta.url),
// a pattern bundlers (Vite, webpack 5, esbuild with a file loader) follow.
import { execFileSync, execSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import * as esbuild from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });

const glue = join(here, "src", "wasm");
// `--profiling`: the same optimised Wasm with its function names kept (not
// stripped), for `node --cpu-prof` or Chromium's profiler; larger, not for release.
const profiling = process.argv.includes("--profiling");
if (!process.argv.includes("--skip-wasm")) buildWasm();
else if (!existsSync(join(glue, "coinop_wasm_bg.wasm"))) throw new Error("--skip-wasm needs a full build first (src/wasm/ is missing)");

/**
 * Runs binaryen's wasm-opt on cargo's output and returns the file to bind:
 * the version this package pins (npm package binaryen, a devDependency),
 * else an installed one. It runs before wasm-bindgen: after it, binaryen
 * 108 broke the module. The features are those rustc emits; strip = true
 * dropped the section that would name them. Binaryen's one-caller inlining
 * is capped: it shrinks the raw module but makes it compress worse.
 * --converge repeats the passes while they still shrink the module. The
 * pinned binaryen 132 makes the Wasm ~3 KiB gzipped smaller than Debian's 108.
 */
function optimize(input) {
  const pinned = join(here, "node_modules", ".bin", "wasm-opt");
  const wasmOpt = existsSync(pinned) ? pinned : "wasm-opt";
  try {
    execFileSync(wasmOpt, ["--version"], { stdio: "ignore" });
  } catch {
    console.warn("warning: wasm-opt not found (npm ci, or Debian: apt-get install binaryen); the Wasm stays larger");
    return input;
  }
  const output = input.replace(/\.wasm$/, ".opt.wasm");
  const features = ["bulk-memory", "sign-ext", "nontrapping-float-to-int", "mutable-globals", "reference-types", "multivalue"];
  // A profiling build keeps the name section (-g), so CPU profiles name Rust functions.
  const names = profiling ? ["-g"] : ["--strip-debug"];
  run(wasmOpt, ["-Oz", "--converge", "--one-caller-inline-max-function-size", "10", ...features.map((f) => `--enable-${f}`),
    ...names, "--strip-producers", input, "-o", output]);
  return output;
}

function buildWasm() {
  // 1. The wasm toolchain: rustup's target if present, else Debian's rustc-web.
  const envLines = execSync(join(root, ".ci", "setup-wasm") + " --env", { cwd: root, encoding: "utf8" });
  const env = { ...process.env };
  for (const line of envLines.split("\n")) {
    const m = /^export (\w+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, "$1").replace(/\\,/g, ",");
  }
  const toolchain = env.COINOP_WASM_CARGO ? [env.COINOP_WASM_CARGO] : [];
  const flags = env.COINOP_WASM_FLAGS ? env.COINOP_WASM_FLAGS.split(" ") : [];
  // When std is built from source (Debian's rustc-web) it can be built small
  // too: size-optimised std algorithms, and panics that trap at once instead
  // of formatting a message that wasm32-unknown-unknown prints nowhere
  // anyway. Together about 45 KiB gzipped; rustup's prebuilt std cannot.
  // Derived Debug output is shallow (type names, no field contents): ~10 KiB
  // gzipped, at the cost of detail in a few rare Debug-formatted errors; the
  // messages users see come from Display.
  if (flags.some((f) => f.startsWith("-Zbuild-std"))) {
    flags.push("-Zbuild-std-features=optimize_for_size", "-Zpanic-immediate-abort");
    env.CARGO_PROFILE_WASM_RELEASE_PANIC = "immediate-abort";
    env.CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS = [env.CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS, "-Zfmt-debug=shallow", "-Zlocation-detail=none"]
      .filter(Boolean)
      .join(" ");
  }
  if (profiling) env.CARGO_PROFILE_WASM_RELEASE_STRIP = "false";
  run("cargo", [...toolchain, "build", ...flags, "--locked", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release", "-p", "coinop-wasm"], { env });
  const targetDir = env.CARGO_TARGET_DIR ?? join(root, "target");
  const wasm = optimize(join(targetDir, "wasm32-unknown-unknown", "wasm-release", "coinop_wasm.wasm"));

  // 2. wasm-bindgen-cli at exactly the version in Cargo.lock.
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const version = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock)?.[1];
  if (!version) throw new Error("wasm-bindgen is not in Cargo.lock");
  let installed = "";
  try {
    installed = execFileSync("wasm-bindgen", ["--version"], { encoding: "utf8" });
  } catch {}
  if (!installed.includes(version)) {
    // Not --locked: its lockfile pins a crate version the registry no longer serves.
    run("cargo", ["install", "wasm-bindgen-cli", "--version", `=${version}`]);
  }
  // 3. The glue and its types, into src/wasm/ where the TypeScript imports them.
  rmSync(glue, { recursive: true, force: true });
  // wasm-bindgen names its own shims in a name section: kept only for profiling.
  const bindgenStrip = profiling ? [] : ["--remove-name-section", "--remove-producers-section"];
  run("wasm-bindgen", ["--target", "web", ...bindgenStrip, "--out-dir", glue, "--out-name", "coinop_wasm", wasm]);
}

// 4. The bundle and the types, built aside (in git-ignored node_modules/) and
// swapped in at the end, so that dist/ (which examples serve) is never half-built.
const out = join(here, "node_modules", ".coinop-dist-next");
rmSync(out, { recursive: true, force: true });
run(join(here, "node_modules", ".bin", "tsc"), ["-p", join(here, "tsconfig.json"), "--emitDeclarationOnly", "--outDir", out]);
const indexExternal = {
  name: "index-external",
  setup(build) {
    build.onResolve({ filter: /^\.\/index\.js$/ }, (args) => (args.importer.endsWith("react.ts") ? { path: "./index.js", external: true } : undefined));
  },
};
// The glue's own fallback URL (used only when init() gets no path) would,
// once bundled into dist/index.js, point at dist/coinop_wasm_bg.wasm, which
// does not exist; bundlers that follow new URL(…, import.meta.url) would fail
// on it. Point it at the file the package ships.
const glueUrl = {
  name: "glue-url",
  setup(build) {
    build.onLoad({ filter: /coinop_wasm\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const fixed = text.replace("new URL('coinop_wasm_bg.wasm', import.meta.url)", "new URL('./wasm/coinop_wasm_bg.wasm', import.meta.url)");
      if (fixed === text) throw new Error("wasm-bindgen glue: default wasm URL not found; update build.mjs");
      return { contents: fixed, loader: "js" };
    });
  },
};
await esbuild.build({
  entryPoints: { index: join(here, "src", "index.ts"), react: join(here, "src", "react.ts"), joystick: join(here, "src", "joystick.ts") },
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  // Shipped to browsers: minified (the .d.ts files carry the documentation).
  minify: true,
  external: ["react"],
  plugins: [indexExternal, glueUrl],
  logLevel: "warning",
});
mkdirSync(join(out, "wasm"), { recursive: true });
cpSync(join(glue, "coinop_wasm_bg.wasm"), join(out, "wasm", "coinop_wasm_bg.wasm"));
if (!existsSync(join(out, "index.d.ts"))) throw new Error("tsc produced no index.d.ts");
rmSync(join(here, "dist"), { recursive: true, force: true });
renameSync(out, join(here, "dist"));

const wasmOut = join(here, "dist", "wasm", "coinop_wasm_bg.wasm");
const raw = statSync(wasmOut).size;
const gz = gzipSync(readFileSync(wasmOut), { level: 9 }).length;
console.log(`dist/wasm/coinop_wasm_bg.wasm: ${(raw / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzipped`);
const files = readdirSync(join(here, "dist"), { recursive: true }).map((f) => join(here, "dist", f));
const total = files.filter((f) => statSync(f).isFile()).reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
console.log(`dist/ (the whole package): ${(total / 1024).toFixed(0)} KiB gzipped, file by file`);
