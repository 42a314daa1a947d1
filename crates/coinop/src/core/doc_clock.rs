//! What a change of ours made without a transaction needs of the document
//! (see `own_change`): its greatest op counter and our last change in it.

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};

/// What a change of ours needs of the document, kept while its heads and
/// actor stay the same.
#[derive(Debug, Default)]
pub(crate) struct DocClock {
    heads: Vec<ChangeHash>,
    actor: Option<ActorId>,
    /// The greatest op counter of the heads (and so, for changes made by
    /// automerge's rule, of the document).
    max_op: u64,
    /// Our last change in the document: its seq and greatest op counter.
    own: (u64, u64),
}

impl DocClock {
    /// The document went from `before` to `after` by applying changes whose
    /// greatest op counter is `max_op`, ours among them up to `own`: kept
    /// up to date without reading the document, when it was.
    pub(crate) fn advance(
        &mut self,
        before: &[ChangeHash],
        after: Vec<ChangeHash>,
        max_op: u64,
        own: Option<(u64, u64)>,
    ) {
        if self.heads != before {
            return;
        }
        self.heads = after;
        self.max_op = self.max_op.max(max_op);
        if let Some(own) = own {
            self.own = own;
        }
    }

    /// The document's greatest op counter and our last change in it (seq,
    /// greatest op counter), read again only when its heads or `actor`
    /// changed.
    pub(crate) fn read(&mut self, doc: &mut Automerge, actor: &ActorId) -> (u64, (u64, u64)) {
        let heads = doc.get_heads();
        if self.heads != heads || self.actor.as_ref() != Some(actor) {
            // automerge finds its own actor's changes only once it knows
            // the actor is in the document: ours may have come in by
            // `apply_changes` (the waiting changes), not by a transaction.
            doc.set_actor(actor.clone());
            self.max_op = heads
                .iter()
                .filter_map(|h| doc.get_change_by_hash(h))
                .map(|c| c.max_op())
                .max()
                .unwrap_or(0);
            self.own = doc
                .get_last_local_change()
                .map_or((0, 0), |c| (c.seq(), c.max_op()));
            self.heads = heads;
            self.actor = Some(actor.clone());
        }
        (self.max_op, self.own)
    }
}
