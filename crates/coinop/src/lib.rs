//! The coinop SDK.
