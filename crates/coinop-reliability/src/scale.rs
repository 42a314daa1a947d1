//! Test sizes: small enough for CI on 2 cores by default, the full
//! sizes with `COINOP_RELIABILITY_SCALE=full`.

/// Which sizes a test runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Fits CI: a few minutes for the whole suite on 2 cores.
    Ci,
    /// The sizes named in the issue.
    Full,
}

impl Scale {
    /// Reads `COINOP_RELIABILITY_SCALE` (`full`, anything else is CI).
    pub fn from_env() -> Scale {
        match std::env::var("COINOP_RELIABILITY_SCALE") {
            Ok(v) if v.eq_ignore_ascii_case("full") => Scale::Full,
            _ => Scale::Ci,
        }
    }

    /// `ci` or `full`, depending on the scale.
    pub fn pick<T>(self, ci: T, full: T) -> T {
        match self {
            Scale::Ci => ci,
            Scale::Full => full,
        }
    }
}
