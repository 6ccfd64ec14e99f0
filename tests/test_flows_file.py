"""Loading, saving and round-tripping flows.toml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from console.commands.init import demo_flows_text
from console.flows import FlowsError, Secret, SecretMissingError, dumps, load, loads, save
from console.flows.model import FLOW_TYPES

REPO = Path(__file__).resolve().parent.parent

ISSUE_SAMPLE = '''
[omnitron]
url = "http://127.0.0.1:8801"
username = "integrator"
password = { env = "OMNITRON_PASSWORD", default = "sandbox" }

[runner]
listen = "127.0.0.1:8800"
store = ".console/console.db"
max_active_executions = 5
outbound_token = { env = "CONSOLE_OUTBOUND_TOKEN", default = "sandbox-token" }

[flows.stock]
name = "Stock Flow"
type = "stock"
direction = "inbound"
enabled = true
schedule = "*/5 * * * *"
timezone = "Europe/Istanbul"
trigger_params = ["sku", "modified_date__gt"]

[flows.stock.login]
type = "jwt"
url = "http://127.0.0.1:8802/auth/login"
username = "erp"
password = { env = "ERP_PASSWORD", default = "sandbox" }
token_path = "token"
header = "Authorization"
prefix = "Bearer "

[flows.stock.read]
url = "http://127.0.0.1:8802/stock?${http.query.string}"
method = "GET"
headers = { Accept = "application/json" }
extra_params = { channel = "shop" }
stock_list_key = "stock_list"
response = "json"
records = "items"
pagination = { type = "offset", page_size = 500, limit_param = "limit", offset_param = "offset" }

[flows.stock.script]
source = """
def transform(data, attributes):
    return data
"""

[flows.stock.mapping]
spec = \'\'\'[{"operation": "shift", "spec": {"*": {"sku": "[&1].product_sku", "qty": "[&1].stock"}}}]\'\'\'

[flows.stock.write]
stock_list = 1
batch_size = 5000

[flows.stock.fetch_missing]
enabled = false
identifier_path = "sku"
productized_within_days = 30
'''


def test_issue_sample_loads_with_typed_values() -> None:
    config = loads(ISSUE_SAMPLE)
    flow = config.flow("stock")
    assert flow.read is not None and flow.read.pagination is not None
    assert flow.read.pagination.page_size == 500
    assert flow.read.headers == {"Accept": "application/json"}
    assert flow.login is not None and flow.login.password == Secret("ERP_PASSWORD", "sandbox")
    assert flow.write.stock_list == 1
    assert config.runner.max_active_executions == 5
    assert flow.script is not None and "def transform" in flow.script.source


def test_models_are_immutable() -> None:
    flow = loads(ISSUE_SAMPLE).flow("stock")
    with pytest.raises(dataclasses.FrozenInstanceError):
        flow.name = "Other"  # type: ignore[misc]


def test_demo_file_has_every_flow_type_and_round_trips(tmp_path: Path) -> None:
    config = loads(demo_flows_text())
    assert {f.type for f in config.flows} == set(FLOW_TYPES)
    target = tmp_path / "flows.toml"
    save(config, target)
    again = load(target)
    assert again == config
    assert [f.id for f in again.flows] == [f.id for f in config.flows]


def test_save_keeps_flow_order_and_scripts_readable(tmp_path: Path) -> None:
    config = loads(demo_flows_text())
    reordered = dataclasses.replace(config, flows=tuple(reversed(config.flows)))
    text = dumps(reordered)
    assert [f.id for f in loads(text).flows] == [f.id for f in reversed(config.flows)]
    assert "source = '''" in text and '\\"' not in text.split("[flows.stock.script]")[1][:300]


def test_save_is_atomic_and_keeps_a_backup(tmp_path: Path) -> None:
    target = tmp_path / "flows.toml"
    target.write_text(ISSUE_SAMPLE, encoding="utf-8")
    config = load(target)
    renamed = config.with_flow(dataclasses.replace(config.flow("stock"), name="Renamed"))
    save(renamed, target)
    assert (tmp_path / "flows.toml.bak").read_text(encoding="utf-8") == ISSUE_SAMPLE
    assert load(target).flow("stock").name == "Renamed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flows.toml", "flows.toml.bak"]


def test_repository_flows_file_is_valid_and_is_the_demo() -> None:
    """The repository's flows.toml is the demo `console init` writes, every flow kind
    included: the two drifted apart once (it lacked the full stock and proxy demos)."""
    from console.commands.init import demo_flows_text

    assert len(load(REPO / "flows.toml").flows) >= 3
    assert (REPO / "flows.toml").read_text(encoding="utf-8") == demo_flows_text()


def test_missing_secret_fails_at_run_time_not_load_time(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ISSUE_SAMPLE.replace('{ env = "ERP_PASSWORD", default = "sandbox" }',
                                '{ env = "ERP_PASSWORD_UNSET_FOR_TEST" }')
    monkeypatch.delenv("ERP_PASSWORD_UNSET_FOR_TEST", raising=False)
    login = loads(text).flow("stock").login
    assert login is not None and login.password is not None
    with pytest.raises(SecretMissingError, match="ERP_PASSWORD_UNSET_FOR_TEST"):
        login.password.resolve()
    monkeypatch.setenv("ERP_PASSWORD_UNSET_FOR_TEST", "s3cret")
    assert login.password.resolve() == "s3cret"
    assert "s3cret" not in repr(login)


def test_store_resolves_against_the_file_folder(tmp_path: Path) -> None:
    target = tmp_path / "conf" / "flows.toml"
    target.parent.mkdir()
    target.write_text(ISSUE_SAMPLE, encoding="utf-8")
    assert load(target).store_path() == (target.parent / ".console" / "console.db").resolve()


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(FlowsError) as caught:
        load(tmp_path / "nope.toml")
    message = str(caught.value)
    assert "nope.toml" in message and "console init" in message
