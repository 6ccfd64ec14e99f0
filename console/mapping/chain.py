"""A chain spec: a list of ``{"operation", "spec"}`` steps applied in order."""

from __future__ import annotations

import copy
import json
from typing import Any

from console.mapping.compiled import FALLBACK, compile_chain
from console.mapping.errors import MappingError, MappingSpecError
from console.mapping.shift import Shift
from console.mapping.simple_ops import Cardinality, Default, Remove, Sort

_OPERATIONS: dict[str, Any] = {
    "shift": Shift,
    "default": Default,
    "remove": Remove,
    "sort": Sort,
    "cardinality": Cardinality,
    "modify-overwrite-beta": lambda spec, where: _modify(spec, where, "overwrite"),
    "modify-default-beta": lambda spec, where: _modify(spec, where, "default"),
    "modify-define-beta": lambda spec, where: _modify(spec, where, "define"),
}
_JAVA_NAMES = {
    "com.bazaarvoice.jolt.Shiftr": "shift",
    "com.bazaarvoice.jolt.Defaultr": "default",
    "com.bazaarvoice.jolt.Removr": "remove",
    "com.bazaarvoice.jolt.Sortr": "sort",
    "com.bazaarvoice.jolt.CardinalityTransform": "cardinality",
    "com.bazaarvoice.jolt.Modifier$Overwritr": "modify-overwrite-beta",
    "com.bazaarvoice.jolt.Modifier$Defaultr": "modify-default-beta",
    "com.bazaarvoice.jolt.Modifier$Definr": "modify-define-beta",
}


def _modify(spec: Any, where: str, mode: str) -> Any:
    """A modify step. Its module, and the functions and dates it brings, load only for a chain
    that has one: a script worker whose mapping only shifts starts without them."""
    from console.mapping.modify import Modify, refuse_self_reference

    step = Modify(spec, where, mode=mode)
    refuse_self_reference(spec, where)
    return step


def _parse(spec: Any) -> Any:
    if isinstance(spec, str | bytes):
        try:
            return json.loads(spec)
        except json.JSONDecodeError as exc:
            raise MappingSpecError(f"not valid JSON: {exc.msg} at line {exc.lineno} column "
                                   f"{exc.colno}") from None
    return spec


class Mapping:
    """A parsed chain; ``apply`` never changes the data it is given.

    ``apply`` runs the chain's generated Python function when there is one (``compiled``) and
    the input has the shape it was built for, else the interpreter (``interpret``), which is the
    reference: both give the same result, or the same error.
    """

    def __init__(self, spec: Any) -> None:
        chain = _parse(spec)
        if isinstance(chain, dict):
            chain = [chain]
        if not isinstance(chain, list):
            raise MappingSpecError("expected a chain: a JSON list of {operation, spec} objects")
        if not chain:
            raise MappingSpecError("the chain is empty; Jolt needs at least one operation")
        self.steps: list[Any] = []
        for index, entry in enumerate(chain):
            self.steps.append(self._step(index, entry))
        self.copies_input = any(getattr(step, "mutates", True) for step in self.steps)
        self.warnings: list[str] = sorted({w for step in self.steps
                                           for w in getattr(step, "warnings", [])})
        """Mistakes Jolt accepts silently (an unknown =function writes nothing)."""
        self._run, self.interpreted_because = compile_chain(chain, self.steps)
        """Why the chain has no compiled form (empty when it has one)."""

    @property
    def compiled(self) -> bool:
        """Whether ``apply`` runs generated code (falling back per row or page when needed)."""
        return self._run is not None

    @staticmethod
    def _step(index: int, entry: Any) -> Any:
        where = f"[{index}]"
        if not isinstance(entry, dict):
            raise MappingSpecError("each chain step must be an object with an operation",
                                   where, index)
        operation = entry.get("operation")
        if not isinstance(operation, str):
            raise MappingSpecError("missing operation", f"{where}.operation", index)
        name = _JAVA_NAMES.get(operation, operation)
        if name not in _OPERATIONS:
            known = ", ".join(_OPERATIONS)
            raise MappingSpecError(f"unknown operation {operation!r}; known: {known}",
                                   f"{where}.operation", index)
        if "spec" not in entry and name != "sort":
            raise MappingSpecError("missing spec", f"{where}.spec", index)
        try:
            return _OPERATIONS[name](entry.get("spec"), f"{where}.spec")
        except MappingSpecError as exc:
            raise MappingSpecError(exc.message, exc.path, index) from None
        except RecursionError:
            raise MappingSpecError("the spec nests too deeply", f"{where}.spec", index) from None

    def apply(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        result = self._generated(data, context)
        return self.interpret(data, context) if result is FALLBACK else result

    def apply_traced(self, data: Any, context: dict[str, Any] | None = None) -> tuple[Any, bool]:
        """``apply``, and whether the generated code made the result: ``False`` when the chain
        runs interpreted, or this input's shape sent the page to the interpreter."""
        result = self._generated(data, context)
        if result is FALLBACK:
            return self.interpret(data, context), False
        return result, True

    def _generated(self, data: Any, context: dict[str, Any] | None) -> Any:
        """The generated code's result, or ``FALLBACK`` when the chain has none or this input
        sends it to the interpreter."""
        run = self._run
        if run is None:
            return FALLBACK
        try:
            return run(data, context)
        except Exception:  # noqa: BLE001 - the interpreter gives the real result or error
            return FALLBACK

    def interpret(self, data: Any, context: dict[str, Any] | None = None) -> Any:
        """The reference: every step walked by the interpreter, on a copy when steps edit."""
        try:
            current = copy.deepcopy(data) if self.copies_input else data
        except RecursionError:
            raise MappingError("the data nests too deeply") from None
        for index, step in enumerate(self.steps):
            try:
                current = step.apply(current, context)
            except (MappingError, MappingSpecError):
                raise
            except RecursionError:
                raise MappingError("the data nests too deeply", index) from None
            except Exception as exc:  # noqa: BLE001 - nothing else may escape, per the API
                raise MappingError(f"{type(exc).__name__}: {exc}", index) from None
        return current
