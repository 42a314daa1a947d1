// Every client of one workload, for one system, in this one Node process
// (forked by run.mjs, which measures the server while this process measures
// itself). The workload arrives as JSON in argv[2]; the result leaves as one
// IPC message. Phases: join all, send (warm-up, then the measured window),
// stop sending, wait (bounded) until every client has every other's last
// write, report.
//
// Each client writes its own key, `{ t, seq }`, with `t` from this process's
// performance.now(): a receiver's latency is its own performance.now() - t
// when it first sees a new seq, one clock for both ends.
import { Samples } from "./stats.mjs";

const spec = JSON.parse(process.argv[2]);
// y-websocket's provider adds a process "exit" listener per client.
process.setMaxListeners(0);
const { connect } = await import(spec.system === "yjs" ? "./yjs_peer.mjs" : "./coinop_peer.mjs");

const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/** Tells the parent to sample the server now, and waits until the message is out. */
const mark = (phase) => new Promise((resolve) => process.send({ type: "mark", phase }, resolve));
const report = (result) =>
  new Promise((resolve) => process.send({ type: "result", result: { rss: process.memoryUsage().rss, ...result } }, resolve));

// ---- join ------------------------------------------------------------------

const total = spec.rooms * spec.perRoom;
const clients = new Array(total);
const joinStart = now();
const joinDeadline = joinStart + spec.joinTimeoutMs;
let nextToJoin = 0;
let joinError;

async function joiner() {
  while (nextToJoin < total && !joinError) {
    const i = nextToJoin++;
    const room = Math.floor(i / spec.perRoom);
    const key = `k${i}`;
    const left = joinDeadline - now();
    if (left <= 0) return;
    try {
      const peer = await Promise.race([
        connect(spec.url, `${spec.roomPrefix}r${room}`, key),
        sleep(left).then(() => undefined),
      ]);
      if (!peer) return;
      clients[i] = { key, room, peer, seq: 0, made: 0, seen: new Map() };
    } catch (e) {
      joinError = `client ${i}: ${e?.code ?? ""} ${e?.message ?? e}`;
    }
  }
}
await Promise.all(Array.from({ length: Math.min(spec.joinConcurrency, total) }, joiner));
const joined = clients.filter(Boolean).length;
const joinMs = now() - joinStart;
if (joined < total) {
  await report({ error: joinError ?? `joined ${joined}/${total} in ${(joinMs / 1000).toFixed(0)} s`, joined, joinMs });
  process.exit(0);
}

const members = Array.from({ length: spec.rooms }, (_, room) => clients.filter((c) => c.room === room));

// ---- receive -----------------------------------------------------------------

let measuring = false;
let delivered = 0;
let events = 0;
const latency = new Samples();
for (const c of clients) {
  c.peer.onRemote((key, value) => {
    if (typeof value?.seq !== "number") return;
    const last = c.seen.get(key) ?? 0;
    if (value.seq <= last) return;
    c.seen.set(key, value.seq);
    if (!measuring) return;
    // A value that supersedes writes this client never saw delivers them too
    // (state, not messages): count every seq it covers.
    delivered += value.seq - last;
    events += 1;
    latency.push(now() - value.t);
  });
}

// ---- send --------------------------------------------------------------------

const write = (c) => {
  c.seq += 1;
  c.peer.set({ t: now(), seq: c.seq });
};

const start = now() + 20;
const T0 = start + spec.warmupMs;
const T1 = T0 + spec.measureMs;
let scheduled = 0;
const senders = [];

if (spec.hz > 0) {
  // A game loop per client: one write per frame at its slot time. A frame
  // whose slot passed while the process was busy is skipped, not caught up,
  // so "sends made" is the share of the window's slots actually written.
  const period = 1000 / spec.hz;
  clients.forEach((c, i) => {
    const base = start + (i / total) * period; // spread the clients over a frame
    scheduled += Math.ceil((T1 - base) / period) - Math.ceil((T0 - base) / period);
    senders.push(
      new Promise((done) => {
        let slot = 0;
        const fire = () => {
          const slotTime = base + slot * period;
          if (slotTime >= T1) return done();
          write(c);
          if (slotTime >= T0) c.made += 1;
          slot = Math.max(slot + 1, Math.ceil((now() - base) / period));
          setTimeout(fire, base + slot * period - now());
        };
        setTimeout(fire, base - now());
      }),
    );
  });
} else {
  // As fast as it can: `floodBatch` writes, then yield so sockets and
  // timers run; the window's writes are counted by the measuring flag.
  for (const c of clients) {
    senders.push(
      (async () => {
        await sleep(start - now());
        while (now() < T1 && c.seq < spec.maxWrites) {
          for (let j = 0; j < spec.floodBatch; j++) {
            write(c);
            if (measuring) c.made += 1;
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
    );
  }
}

await sleep(T0 - now());
await mark("start");
const cpu0 = process.cpuUsage();
const w0 = now();
measuring = true;
await sleep(T1 - now());
measuring = false;
const cpu = process.cpuUsage(cpu0);
const w1 = now();
await mark("end");
await Promise.all(senders);

// ---- converge ----------------------------------------------------------------

const convergeStart = now();
const converged = (c) => c.peer.saved() && members[c.room].every((o) => o === c || c.peer.seqOf(o.key) === o.seq);
const pending = new Set(clients);
while (pending.size > 0 && now() - convergeStart < spec.convergeMs) {
  for (const c of pending) if (converged(c)) pending.delete(c);
  if (pending.size > 0) await sleep(50);
}

await report({
  joined,
  joinMs,
  windowMs: w1 - w0,
  measureMs: spec.measureMs,
  made: clients.reduce((n, c) => n + c.made, 0),
  scheduled: spec.hz > 0 ? scheduled : null,
  delivered,
  events,
  latency: latency.quantiles(),
  cpuMicros: cpu.user + cpu.system,
  converged: total - pending.size,
  total,
  convergeMs: now() - convergeStart,
});
await Promise.race([Promise.all(clients.map((c) => c.peer.close())), sleep(3000)]);
process.exit(0);
