//! The coinop relay.
