"""Runs a test module's Jolt cases through both paths of the engine.

``compiled``: ``Mapping.apply`` as users get it (generated code where the chain compiles), and
each result also checked against the interpreter's, key order and errors included.
``interpreted``: ``Mapping.apply`` replaced by the interpreter, the reference.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from console.mapping import Mapping, MappingError


def _outcome(run: Any, data: Any, context: dict[str, Any] | None) -> tuple[str, str]:
    try:
        return "result", json.dumps(run(data, context))
    except MappingError as error:
        return "error", str(error)


@pytest.fixture(autouse=True, scope="module", params=["compiled", "interpreted"])
def mapping_path(request: pytest.FixtureRequest) -> Iterator[str]:
    apply = Mapping.apply

    def checked(self: Mapping, data: Any, context: dict[str, Any] | None = None) -> Any:
        reference = _outcome(self.interpret, copy.deepcopy(data), copy.deepcopy(context))
        try:
            result = apply(self, data, context)
        except MappingError as error:
            assert ("error", str(error)) == reference, "the compiled path raised, not the interpreter"
            raise
        assert ("result", json.dumps(result)) == reference, "compiled and interpreted differ"
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Mapping, "apply", checked if request.param == "compiled" else
                      Mapping.interpret)
        yield request.param
