"""Every bad flows.toml gets a specific error with its line and key path, all at once."""

from __future__ import annotations

import pytest

from console.flows import FlowsError, loads

HEAD = '''[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = "sandbox"
'''


def problems(text: str) -> list[str]:
    with pytest.raises(FlowsError) as caught:
        loads(HEAD + text)
    return [p.render("flows.toml") for p in caught.value.problems]


def test_toml_syntax_error_has_line_and_column() -> None:
    found = problems('\n[flows.a]\nname = "x\n')
    assert len(found) == 1
    assert found[0].startswith("flows.toml:7:")


def test_unknown_key_suggests_the_closest() -> None:
    found = problems('''
[flows.stock]
name = "Stock"
type = "stock"
[flows.stock.read]
url = "http://erp/stock"
pagnation = { type = "offset" }
''')
    assert found == [
        "flows.toml:11: flows.stock.read.pagnation: unknown key, did you mean 'pagination'?"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems('''
[flows.a]
name = "A name that is far too long for the Integrator"
type = "stock"
schedule = "61 * * * *"
timezone = "Mars/Olympus"
[flows.a.read]
url = "http://erp/stock"
[flows.a.mapping]
spec = "[{not json"
[flows.b]
name = "Dup"
type = "order_status"
direction = "outbound"
[flows.c]
name = "dup"
type = "stock"
direction = "outbound"
''')
    joined = "\n".join(found)
    assert "flows.a.name: at most 20 characters" in joined
    assert "flows.a.schedule: invalid cron expression '61 * * * *'" in joined
    assert "flows.a.timezone: unknown time zone 'Mars/Olympus'" in joined
    assert "flows.a.mapping.spec: not valid JSON" in joined
    assert "flows.c.name: duplicate name 'dup', already used by flows.b" in joined
    assert len(found) == 5
    assert all(line.startswith("flows.toml:") for line in found)


def test_wrong_types_say_what_was_expected_and_found() -> None:
    found = problems('''
[flows.a]
name = "A"
type = "stock"
enabled = "yes"
direction = "sideways"
[flows.a.write]
batch_size = 0
''')
    joined = "\n".join(found)
    assert "flows.a.enabled: expected true or false, found 'yes'" in joined
    assert "flows.a.direction: expected one of inbound | outbound, found 'sideways'" in joined
    assert "flows.a.write.batch_size: expected a whole number between 1 and 50000, found 0" in joined


def test_required_trigger_params_and_read_table() -> None:
    found = problems('''
[flows.a]
name = "A"
type = "order_status"
trigger_params = ["sku"]
''')
    joined = "\n".join(found)
    assert "flows.a.trigger_params: must include 'number'" in joined
    assert "flows.a.read: missing table" in joined


def test_oms_stock_is_always_outbound_and_quartz_cron_is_accepted() -> None:
    found = problems('''
[flows.q]
name = "Quartz"
type = "stock"
schedule = "0 0/30 * * * ? *"
[flows.q.read]
url = "http://erp/stock"
[flows.o]
name = "O"
type = "oms_stock"
direction = "inbound"
[flows.o.read]
url = "http://erp/stock"
''')
    assert found == ["flows.toml:15: flows.o.direction: oms_stock flows are always outbound"]


def test_missing_omnitron_table() -> None:
    with pytest.raises(FlowsError, match="omnitron: missing table"):
        loads('[flows.a]\nname = "A"\ntype = "stock"\ndirection = "outbound"\n')


def test_mapping_script_and_expression_errors_name_the_key_path() -> None:
    found = problems('''
[flows.a]
name = "A"
type = "stock"
[flows.a.read]
url = "http://erp/stock?${http.query.string:nope()}"
extra_params = { since = "${last.request:toDate('yyyy'):format()}" }
[flows.a.script]
source = """
print "python 2"
"""
[flows.a.mapping]
spec = \'\'\'[{"operation": "shift", "spec": {"*": {"sku": 5}}}]\'\'\'
''')
    joined = "\n".join(found)
    assert "flows.a.read.url: expression error at offset 37: unknown function 'nope'" in joined
    assert "flows.a.read.extra_params.since: expression error at offset 30: format takes" in joined
    assert "flows.a.script.source: Python syntax error at line 1" in joined
    assert "flows.a.mapping.spec: [0].spec.*.sku: expected an output path" in joined
