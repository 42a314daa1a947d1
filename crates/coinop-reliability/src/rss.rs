//! Resident memory of a process, from `/proc`.

/// `VmRSS` of process `pid` in KiB, or `None` when it cannot be read (the
/// process is gone, or this is not Linux).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}
