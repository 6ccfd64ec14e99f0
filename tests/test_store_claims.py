"""The SQLite store's newest-wins claim: one upsert for the usual batch, a lookup only for the
keys it left alone.

The runner claims every batch just before sending it, on the thread that sends; each statement
lets go of the GIL and may wait to have it back while the runner's other steps work, so the
claim of the flow's newest execution must stay one statement however many keys it holds."""

from __future__ import annotations

from pathlib import Path

from console.store.sqlite import SQLiteStore


def _statements(store: SQLiteStore) -> list[str]:
    seen: list[str] = []
    store._conn().set_trace_callback(seen.append)
    return seen


def test_the_newest_executions_claim_is_one_statement(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    older = store.admit("stock", "manual", {}, "test")
    newer = store.admit("stock", "manual", {}, "test")
    store.claim_newest("stock", older.accepted_seq or 0, older.id, ["A", "B"])
    seen = _statements(store)
    keys = [f"SKU-{n}" for n in range(5000)]
    assert store.claim_newest("stock", newer.accepted_seq or 0, newer.id, ["A", *keys]) == {}
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO newest_accepted")
    store.close()


def test_keys_left_alone_are_reported_with_their_writer_and_keep_it(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    first, second, third = (store.admit("stock", "manual", {}, "test") for _ in range(3))
    assert store.claim_newest("stock", 3, third.id, ["C"]) == {}
    assert store.claim_newest("stock", 1, first.id, ["A", "B"]) == {}
    # B and the unseen D are taken over, A is claimed again by its own sequence, C is newer
    assert store.claim_newest("stock", 2, second.id, ["B", "C", "D", "C"]) == {"C": third.id}
    assert store.claim_newest("stock", 1, first.id, ["A"]) == {}
    assert store.claim_newest("stock", 0, "probe", ["A", "B", "C", "D"]) == {
        "A": first.id, "B": second.id, "C": third.id, "D": second.id}
    store.close()
