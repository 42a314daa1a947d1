// Builds the npm package into dist/: the Wasm core (crate coinop-wasm), its
// wasm-bindgen glue, and the TypeScript layer with its .d.ts files.
//
//   node build.mjs            (or: npm run build)
//
// Needs cargo; installs the wasm toolchain (../../.ci/setup-wasm) and the
// matching wasm-bindgen-cli when missing.
import { execFileSync, execSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });

// 1. The wasm toolchain: rustup's target if present, else Debian's rustc-web.
const envLines = execSync(join(root, ".ci", "setup-wasm") + " --env", { cwd: root, encoding: "utf8" });
const env = { ...process.env };
for (const line of envLines.split("\n")) {
  const m = /^export (\w+)=(.*)$/.exec(line.trim());
  if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, "$1").replace(/\\,/g, ",");
}
const toolchain = env.COINOP_WASM_CARGO ? [env.COINOP_WASM_CARGO] : [];
const flags = env.COINOP_WASM_FLAGS ? env.COINOP_WASM_FLAGS.split(" ") : [];
run("cargo", [...toolchain, "build", ...flags, "--locked", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release", "-p", "coinop-wasm"], { env });
const targetDir = env.CARGO_TARGET_DIR ?? join(root, "target");
const wasm = join(targetDir, "wasm32-unknown-unknown", "wasm-release", "coinop_wasm.wasm");

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

// 3. Glue and types, then the TypeScript layer.
const glue = join(here, "src", "wasm");
rmSync(glue, { recursive: true, force: true });
run("wasm-bindgen", ["--target", "web", "--out-dir", glue, "--out-name", "coinop_wasm", wasm]);
rmSync(join(here, "dist"), { recursive: true, force: true });
run(join(here, "node_modules", ".bin", "tsc"), ["-p", join(here, "tsconfig.json")]);
mkdirSync(join(here, "dist", "wasm"), { recursive: true });
cpSync(glue, join(here, "dist", "wasm"), { recursive: true });

const out = join(here, "dist", "wasm", "coinop_wasm_bg.wasm");
const raw = statSync(out).size;
const gz = gzipSync(readFileSync(out), { level: 9 }).length;
console.log(`dist/wasm/coinop_wasm_bg.wasm: ${(raw / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzipped`);
if (!existsSync(join(here, "dist", "index.d.ts"))) throw new Error("tsc produced no dist/index.d.ts");
