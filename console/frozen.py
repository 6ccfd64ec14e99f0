"""Frozen dataclasses made without compiling code at import.

``dataclasses.dataclass(frozen=True)`` writes six methods per class as source text and compiles
them on every start of the program: about 0.6 ms a class, and the flows models alone are twenty
classes, a quarter of what ``console flows list`` costs. Here those methods are written once,
for any class, reading the class's fields; ``dataclasses`` still collects the fields, so
``fields``, ``replace``, ``asdict`` and ``is_dataclass`` work as ever, and instances compare,
hash, print, refuse changes and pickle as the standard library's do (the tests hold both side
by side).

Type checkers see the standard ``dataclasses.dataclass`` under this name; at run time only
``frozen=True`` classes (slotted or not) are accepted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["dataclass"]

_T = TypeVar("_T")

if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:

    def dataclass(cls: type[_T] | None = None, /, *, frozen: bool = False, slots: bool = False
                  ) -> Any:
        """``dataclasses.dataclass(frozen=True, slots=...)``, built without generated code."""
        if not frozen:
            raise TypeError("console.frozen makes frozen dataclasses only: pass frozen=True")

        def wrap(cls: type[_T]) -> type[_T]:
            return _frozen(cls, slots)

        return wrap if cls is None else wrap(cls)


def _frozen(cls: type[_T], slots: bool) -> type[_T]:
    if cls.__doc__ is None:  # the standard library would work out a signature for it
        raise TypeError(f"{cls.__qualname__} needs a docstring")
    own = dict(vars(cls))  # what the class writes itself stays, as with the standard library
    for name in ("__setattr__", "__delattr__"):
        if name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    made: Any = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=slots)
    fields = dataclasses.fields(made)
    params = made.__dataclass_params__
    params.init = params.repr = params.eq = params.frozen = True
    compared = [f.name for f in fields if f.compare]
    hashed = [f.name for f in fields if f.hash or (f.hash is None and f.compare)]
    names = {f.name for f in fields}
    methods: dict[str, Any] = {
        "__init__": _init(made, fields),
        "__repr__": _repr([f.name for f in fields if f.repr]),
        "__eq__": _eq(_values(compared)),
        "__setattr__": _refuse_assign(made, names),
        "__delattr__": _refuse_delete(made, names),
    }
    explicit_hash = "__hash__" in own and (own["__hash__"] is not None or "__eq__" not in own)
    if not explicit_hash:
        methods["__hash__"] = _hash(_values(hashed))
    if slots:
        methods["__getstate__"] = _getstate
        methods["__setstate__"] = _setstate
    for name, method in methods.items():
        if name in own and name != "__hash__":
            continue
        method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    return made


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    taken = [f for f in fields if f.init]
    names = tuple(f.name for f in taken)
    known = frozenset(names)
    spec = [(f.name, f.default, f.default_factory) for f in fields]
    missing = dataclasses.MISSING
    assign = object.__setattr__
    post_init = getattr(cls, "__post_init__", None)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{_init_name(self)} takes {len(names) + 1} positional arguments "
                            f"but {len(args) + 1} were given")
        given = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in known:
                raise TypeError(f"{_init_name(self)} got an unexpected keyword argument {key!r}")
            if key in given:
                raise TypeError(f"{_init_name(self)} got multiple values for argument {key!r}")
            given[key] = value
        for name, default, factory in spec:
            if name in given:
                assign(self, name, given[name])
            elif factory is not missing:
                assign(self, name, factory())  # type: ignore[misc]
            elif default is not missing:
                assign(self, name, default)
            elif name in known:
                raise TypeError(f"{_init_name(self)} missing 1 required positional argument: "
                                f"{name!r}")
        if post_init is not None:
            post_init(self)

    return __init__


def _init_name(obj: Any) -> str:
    return f"{type(obj).__qualname__}.__init__()"


def _repr(names: list[str]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"

    return __repr__


def _eq(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _refuse_assign(cls: Any, names: set[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _refuse_delete(cls: Any, names: set[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for field, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, field.name, value)
