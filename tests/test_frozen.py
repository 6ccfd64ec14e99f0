"""Frozen dataclasses built without generated code behave as the standard library's: the same
class made both ways, side by side."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import console.flows.model as model
from console import frozen
from console.flows import Secret

Maker = Callable[..., Any]


def _classes(make: Maker, slots: bool) -> tuple[type, type]:
    @make(frozen=True, slots=slots)
    class Inner:
        """A nested value."""

        n: int = 0

    @make(frozen=True, slots=slots)
    class Record:
        """Fields of every sort: required, default, factory, left out of compare, hash and
        repr."""

        name: str
        size: int = 3
        tags: tuple[str, ...] = ()
        extra: dict[str, int] = dataclasses.field(default_factory=dict, hash=False,
                                                  metadata={"doc": "x"})
        note: str = dataclasses.field(default="", compare=False)
        secret: str = dataclasses.field(default="s", repr=False)
        inner: Inner | None = None
        cached: int = dataclasses.field(default=0, hash=False)

    return Record, Inner


BOTH = [pytest.param(slots, id="slots" if slots else "dict") for slots in (True, False)]


def _pair(slots: bool) -> tuple[tuple[type, type], tuple[type, type]]:
    return _classes(dataclasses.dataclass, slots), _classes(frozen.dataclass, slots)


@pytest.mark.parametrize("slots", BOTH)
def test_instances_print_compare_and_hash_alike(slots: bool) -> None:
    (std, std_inner), (ours, our_inner) = _pair(slots)
    for args, kwargs in [(("a",), {}), (("b", 5, ("x",)), {"note": "n", "secret": "t"}),
                         ((), {"name": "c", "extra": {"k": 1}, "cached": 9})]:
        a = std(*args, inner=std_inner(2), **kwargs)
        b = ours(*args, inner=our_inner(2), **kwargs)
        assert repr(a) == repr(b)
        assert "secret" not in repr(b)
        assert hash(a) == hash(b)
        assert b == ours(*args, inner=our_inner(2), **kwargs)
        assert (b == a) is False and b != a  # another class, as with two standard ones
    assert ours("a", note="one") == ours("a", note="two")  # compare=False
    assert hash(ours("a", cached=1)) == hash(ours("a", cached=2))  # hash=False
    assert ours("a") != ours("a", size=4)
    assert ours("a").__eq__("a") is NotImplemented


@pytest.mark.parametrize("slots", BOTH)
def test_fields_replace_asdict_and_match_as_the_standard_ones(slots: bool) -> None:
    (std, _), (ours, our_inner) = _pair(slots)
    assert dataclasses.is_dataclass(ours)
    assert [(f.name, f.default, f.compare, f.repr, f.hash, dict(f.metadata))
            for f in dataclasses.fields(ours)] == [
        (f.name, f.default, f.compare, f.repr, f.hash, dict(f.metadata))
        for f in dataclasses.fields(std)]
    assert ours.__match_args__ == std.__match_args__
    assert ours.__dataclass_params__.frozen and ours.__dataclass_params__.eq
    assert ("__slots__" in vars(ours)) is slots
    b = ours("a", inner=our_inner(1))
    changed = dataclasses.replace(b, size=7)
    assert changed.size == 7 and changed.name == "a" and b.size == 3
    assert dataclasses.asdict(b) == dataclasses.asdict(std("a", inner=_pair(slots)[0][1](1)))
    match b:
        case ours(name, size):  # type: ignore[misc]
            assert (name, size) == ("a", 3)
    assert ours("a").extra is not ours("a").extra  # a fresh default per instance


@pytest.mark.parametrize("slots", BOTH)
def test_changes_and_bad_arguments_are_refused_alike(slots: bool) -> None:
    (std, _), (ours, _) = _pair(slots)
    for made in (std("a"), ours("a")):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'size'"):
            made.size = 4
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'size'"):
            del made.size
    for cls in (std, ours):
        with pytest.raises(TypeError, match="missing 1 required positional argument: 'name'"):
            cls()
        with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
            cls("a", nope=1)
        with pytest.raises(TypeError, match="multiple values for argument 'name'"):
            cls("a", name="b")
        with pytest.raises(TypeError, match="positional arguments but 10 were given"):
            cls(*range(9))


@pytest.mark.parametrize("slots", BOTH)
def test_instances_pickle_and_copy(slots: bool) -> None:
    _, (ours, our_inner) = _pair(slots)
    globals()["Record"], globals()["Inner"] = ours, our_inner  # pickle finds classes by name
    ours.__qualname__, our_inner.__qualname__ = "Record", "Inner"
    try:
        b = ours("a", 2, ("t",), {"k": 1}, "n", "s", our_inner(5), 1)
        assert pickle.loads(pickle.dumps(b)) == b
        assert copy.copy(b) == b and copy.deepcopy(b) == b
        assert copy.deepcopy(b).extra is not b.extra
    finally:
        del globals()["Record"], globals()["Inner"]


def test_only_frozen_documented_classes_are_made() -> None:
    with pytest.raises(TypeError, match="frozen=True"):
        frozen.dataclass(type("Loose", (), {"__doc__": "x"}))
    with pytest.raises(TypeError, match="needs a docstring"):
        frozen.dataclass(frozen=True)(type("Bare", (), {"__annotations__": {}}))


def test_the_flows_models_are_made_this_way() -> None:
    models = [v for v in vars(model).values() if dataclasses.is_dataclass(v)]
    assert len(models) >= 20
    for cls in models:
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"
        assert cls.__init__.__code__.co_filename == frozen.__file__
    omnitron = model.OmnitronSettings("http://o", "u", Secret(value="p"))
    config = model.FlowsConfig(omnitron, flows=(model.Flow("f", "F", "stock", "inbound"),))
    assert config == dataclasses.replace(config, source=Path("elsewhere"))  # compare=False
    assert hash(config) == hash(model.FlowsConfig(dataclasses.replace(omnitron),
                                                  flows=config.flows))
    assert "p" not in repr(config.omnitron.password)


@pytest.mark.parametrize("slots", BOTH)
def test_methods_a_class_writes_itself_are_kept(slots: bool) -> None:
    def make(maker: Maker) -> tuple[Any, Any]:
        @maker(frozen=True, slots=slots)
        class Token:
            """Prints without its value."""

            value: str

            def __repr__(self) -> str:
                return "Token(***)"

        @maker(frozen=True, slots=slots)
        class Loose:
            """Compares by identity."""

            n: int

            def __eq__(self, other: object) -> bool:
                return self is other

        return Token, Loose

    for token, loose in (make(dataclasses.dataclass), make(frozen.dataclass)):
        assert repr(token("x")) == "Token(***)"
        assert hash(token("x")) == hash(token("x"))
        assert loose(1) != loose(1)
        assert hash(loose(1)) == hash(loose(1))  # eq written, hash still made from the fields
    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__"):
        frozen.dataclass(frozen=True)(type("Own", (), {"__doc__": "x",
                                                       "__setattr__": lambda *a: None}))


def test_frozen_imports_nothing_of_the_console() -> None:
    """Every layer may use it (the kinds import nothing else of the console)."""
    import ast

    tree = ast.parse(Path(frozen.__file__).read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names]
    assert not [name for name in imported if name.startswith("console")]
