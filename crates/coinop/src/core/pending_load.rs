//! A late joiner's snapshot: its document once loaded, and the pending
//! state while only its state view is shown (the core's side is in
//! `snapshot_load`).

use crate::doc_layout::Touched;
use automerge::{Automerge, AutomergeError, LoadOptions, Patch, PatchLog};
use bytes::Bytes;
use coinop_protocol::LogEntry;

/// A snapshot's document, loaded, with the patches of its whole state.
pub(crate) struct LoadedSnapshot {
    pub(super) doc: Automerge,
    pub(super) patches: Vec<Patch>,
}

impl LoadedSnapshot {
    /// Loads a saved document: the slow part of a late join. Pure, so it
    /// can run on any thread.
    pub(crate) fn load(bytes: &[u8]) -> Result<Self, AutomergeError> {
        let mut log = PatchLog::active();
        let doc = Automerge::load_with_options(bytes, LoadOptions::new().patch_log(&mut log))?;
        let patches = doc.make_patches(&mut log);
        Ok(LoadedSnapshot { doc, patches })
    }
}

/// A snapshot shown through its view while its document waits to load.
pub(crate) struct PendingLoad {
    /// Tells a load finished off the core from a superseded one.
    pub(super) id: u64,
    /// The saved document.
    pub(super) doc: Bytes,
    /// What reads see meanwhile.
    pub(super) view: Automerge,
    /// What the view showed, reported again if the document fails to load.
    pub(super) shown: Vec<Touched>,
    /// Changes that arrived meanwhile, applied after the document.
    pub(super) held: Vec<LogEntry>,
    /// Whether the driver is loading it.
    pub(super) started: bool,
}
