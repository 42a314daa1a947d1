//! A room document's latest state without its history.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT};
use coinop_protocol::Bytes;

/// The actor of every view's only change. A view is never merged into a
/// replica or published, so it needs no player tag or content address.
pub const VIEW_ACTOR: &[u8] = b"coinop-view";

/// `doc`'s current state, written as one change into a fresh document and
/// saved: what reading `doc` shows (conflicts resolved to their winners,
/// counters at their sums, text as text), with none of the history.
///
/// Loading `doc` rebuilds and hashes each of its changes; loading the view
/// costs one change, so a joiner can read the latest state long before its
/// replica is loaded (see [`coinop_protocol::RelayMessage::Snapshot`]).
///
/// `None` when automerge cannot write the state back, which no document
/// made of maps, lists, text and scalars causes; the snapshot is then sent
/// without a view.
pub fn state_view(doc: &Automerge) -> Option<Bytes> {
    let state = doc.hydrate(None);
    let mut view = Automerge::new();
    view.set_actor(ActorId::from(VIEW_ACTOR));
    let mut tx = view.transaction();
    if let Err(e) = tx.update_object(ROOT, &state) {
        tracing::warn!("could not write a state view: {e}");
        return None;
    }
    tx.commit();
    Some(Bytes::from(view.save()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue};

    #[test]
    fn a_view_reads_like_its_document_and_holds_one_change() {
        let mut doc = AutoCommit::new();
        let state = doc.put_object(ROOT, "state", ObjType::Map).unwrap();
        let list = doc.put_object(&state, "list", ObjType::List).unwrap();
        doc.insert(&list, 0, "a").unwrap();
        doc.insert(&list, 1, 2.5).unwrap();
        let text = doc.put_object(&state, "text", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, "hello").unwrap();
        doc.put(&state, "score", ScalarValue::counter(5)).unwrap();
        doc.put(&state, "gone", true).unwrap();
        doc.commit();
        for i in 0..500 {
            doc.put(&state, "k", i).unwrap();
            doc.commit();
        }
        doc.increment(&state, "score", 3).unwrap();
        doc.delete(&state, "gone").unwrap();
        doc.splice_text(&text, 5, 0, " world").unwrap();
        let bytes = state_view(doc.document()).unwrap();
        let view = Automerge::load(&bytes).unwrap();
        assert_eq!(view.hydrate(None), doc.document().hydrate(None));
        assert_eq!(view.get_changes(&[]).len(), 1);
        let (_, view_state) = view.get(ROOT, "state").unwrap().unwrap();
        let (score, _) = view.get(&view_state, "score").unwrap().unwrap();
        assert_eq!(score.as_i64(), Some(8));
        assert!(bytes.len() < doc.save().len());

        // A conflict: the view holds the winner alone.
        let mut other = doc.fork().with_actor(ActorId::from(b"zz".as_slice()));
        other.put(&state, "k", "theirs").unwrap();
        doc.put(&state, "k", "ours").unwrap();
        doc.merge(&mut other).unwrap();

        assert_eq!(doc.get_all(&state, "k").unwrap().len(), 2);
        let view = Automerge::load(&state_view(doc.document()).unwrap()).unwrap();
        let (_, view_state) = view.get(ROOT, "state").unwrap().unwrap();
        let winner = doc.get(&state, "k").unwrap().unwrap().0.to_string();
        assert_eq!(
            view.get(&view_state, "k").unwrap().unwrap().0.to_string(),
            winner
        );
        assert_eq!(view.get_all(&view_state, "k").unwrap().len(), 1);
    }
}
