"""The flows.toml schema lives once, on the models: the parser's keys, the designer's fields and
the README's key tables all come from it, and this test fails when the README drifts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from console.commands.init import demo_flows_text
from console.flows import FlowsError, loads, schema
from console.tui.flow_form import FIELDS

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = re.compile(r"^#{2,4} ")
TABLE_NAME = re.compile(r"`\[([^\]]+)\]`")


def readme_tables() -> dict[tuple[str, ...], str]:
    """Each heading that names flows.toml tables, with the markdown table under it."""
    lines = README.read_text(encoding="utf-8").splitlines()
    found: dict[tuple[str, ...], str] = {}
    for index, line in enumerate(lines):
        names = tuple(TABLE_NAME.findall(line)) if HEADING.match(line) else ()
        if not names:
            continue
        rows: list[str] = []
        for following in lines[index + 1:]:
            if HEADING.match(following):
                break
            if following.startswith("|"):
                rows.append(following)
            elif rows:
                break
        found[names] = "\n".join(rows)
    return found


def section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    rows = [line for line in text[start:].splitlines()[1:] if line.startswith("|")]
    table_start = text.index(rows[0], start)
    return text[table_start:text.index("\n\n", table_start)]


def test_every_table_of_the_schema_has_its_readme_table_and_they_agree() -> None:
    tables = readme_tables()
    described = {name for names in tables for name in names}
    assert described == set(schema.tables()) - {""}
    for names, table in tables.items():
        expected = schema.markdown_table(*names)
        assert table == expected, (
            f"README's table under [{', '.join(names)}] differs from the schema (the models' "
            f"setting(...)); the schema renders it as:\n{expected}")


def test_the_readme_ranges_are_the_schemas() -> None:
    expected = schema.limits_table()
    assert section("### What the runner accepts") == expected, (
        f"README's ranges differ from the schema's bounds; the schema renders them as:\n"
        f"{expected}")


def test_the_schema_sees_a_new_kind_in_the_type_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from console.kinds import KINDS

    assert "`price`" in schema.key("flows.ID.type").text()
    monkeypatch.setitem(KINDS, "full_stock", dataclasses.replace(KINDS["stock"], id="full_stock"))
    assert "`full_stock`" in schema.key("flows.ID.type").text()


def _concrete(data: dict[str, Any], table: str) -> tuple[dict[str, Any], str]:
    """The demo document's table at a schema path (a flow of the kind that has it)."""
    flow_id = "oms_stock" if table.startswith("flows.ID.oms") else "stock"
    path = table.replace("flows.ID", f"flows.{flow_id}")
    node = data
    for part in path.split("."):
        node = node.setdefault(part, {})
    return node, path


@pytest.mark.parametrize("table", [t for t in schema.tables() if t not in ("", "flows.ID")])
def test_the_parser_knows_exactly_the_schemas_keys(table: str) -> None:
    """A key one letter off any key of the schema is unknown, and the parser names the key
    the schema declares: it takes its accepted keys from there."""
    for key in schema.tables()[table]:
        data = tomllib.loads(demo_flows_text())
        node, path = _concrete(data, table)
        node[key.name + "x"] = 1
        with pytest.raises(FlowsError) as caught:
            loads(tomli_w.dumps(data))
        messages = {p.key_path: p.message for p in caught.value.problems}
        assert messages[f"{path}.{key.name}x"] == f"unknown key, did you mean '{key.name}'?"


def test_an_unknown_flow_key_says_where_it_is_and_what_is_known() -> None:
    data = tomllib.loads(demo_flows_text())
    data["flows"]["stock"]["zzz"] = 1
    text = tomli_w.dumps(data)
    with pytest.raises(FlowsError) as caught:
        loads(text)
    problem = next(p for p in caught.value.problems if p.key_path == "flows.stock.zzz")
    assert problem.message == "unknown key; known keys: " + ", ".join(
        k.name for k in schema.tables()["flows.ID"])
    assert problem.line == 1 + text.splitlines().index("zzz = 1")


def test_the_designers_fields_are_the_keys_the_model_labels() -> None:
    labelled = {k.flow_path: k.label for k in schema.all_keys()
                if k.label is not None and k.table.startswith(schema.FLOW_TABLE)}
    assert {spec.key: spec.label for spec in FIELDS} == labelled
    by_key = {spec.key: spec for spec in FIELDS}
    assert by_key["read.timeout_s"].kind == "float"
    assert by_key["write.stock_list"].kind == "int" and by_key["write.stock_list"].optional
    assert by_key["read.pagination.type"].choices == ("none", "offset", "seek", "next")
    assert by_key["login.type"].choices[0] == "none"
    assert by_key["trigger_params"].kind == "list"
    assert by_key["read.headers"].kind == "pairs"
