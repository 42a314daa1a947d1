//! Prints what checking the write rules costs per change, beside parsing
//! and applying it. Run with `cargo run --release -p coinop-relay --example
//! write_rules_cost`.

use coinop_relay::core::check_cost::measure;

fn main() {
    for keys in [1, 10] {
        // Warm up, then measure.
        let _ = measure(200, keys);
        let c = measure(3_000, keys);
        println!(
            "{keys:>2} key(s) + 1 room key per change, {} changes: parse {:.2} µs, check (expand ops + rules) {:.2} µs, apply to a document {:.2} µs",
            c.changes,
            c.parse.as_secs_f64() * 1e6,
            c.check.as_secs_f64() * 1e6,
            c.apply.as_secs_f64() * 1e6,
        );
    }
}
