// CPU time and resident memory of another process, read from /proc (Linux).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// Clock ticks per second of utime/stime in /proc/PID/stat (100 on Linux
// almost everywhere, but asked rather than assumed).
const ticksPerSec = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time the process has used so far, in µs. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces: count fields after its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / ticksPerSec;
}

/** Resident set size now, in MiB. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** CPU time every process on the machine has used so far (busy, not idle or iowait), in µs. */
export function machineBusyMicros() {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks;
  return ((user + nice + system + irq + softirq + steal) * 1e6) / ticksPerSec;
}
