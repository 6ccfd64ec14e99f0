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


def test_keys_of_any_text_are_claimed_and_reported_as_given(tmp_path: Path) -> None:
    """Keys go to the statement as orjson writes them (non-ASCII as is): each is the key
    ``json.dumps``'s escaped text gave, so a key the claims of an earlier version stored is
    the same key still."""
    import json

    keys = ["1\x1fé", "1\x1f😀", '1\x1fa"b\\c\n', "1\x1f\u2028\x7f\ufeff", "", "1\x1fA"]
    store = SQLiteStore(tmp_path / "store.db")
    first, second = (store.admit("stock", "manual", {}, "test") for _ in range(2))
    store._conn().execute(  # an earlier version's claim of the first keys, by json.dumps
        "INSERT INTO newest_accepted SELECT 'stock', value, 2, ? FROM json_each(?)",
        (second.id, json.dumps(keys[:4])))
    assert store.claim_newest("stock", 1, first.id, keys) == dict.fromkeys(keys[:4], second.id)
    assert store.claim_newest("stock", 2, second.id, keys) == {}
    assert store.claim_newest("stock", 1, first.id, keys) == dict.fromkeys(keys, second.id)
    stored = {key for (key,) in store._conn().execute("SELECT key FROM newest_accepted")}
    assert stored == set(keys)
    store.close()
