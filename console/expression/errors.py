"""The one error the expression language raises, with a caret excerpt for screens."""

from __future__ import annotations


class ExpressionError(Exception):
    """A bad expression (when compiled) or a failed evaluation, at ``offset`` in the text."""

    def __init__(self, message: str, text: str = "", offset: int = 0) -> None:
        self.message = message
        self.text = text
        self.offset = max(0, min(offset, len(text)))
        super().__init__(f"{message} (at offset {self.offset})")

    @property
    def line(self) -> int:
        return self.text.count("\n", 0, self.offset) + 1

    @property
    def column(self) -> int:
        return self.offset - (self.text.rfind("\n", 0, self.offset) + 1) + 1

    @property
    def excerpt(self) -> str:
        """The offending line and a caret under the offending character."""
        start = self.text.rfind("\n", 0, self.offset) + 1
        end = self.text.find("\n", self.offset)
        line = self.text[start:end if end != -1 else len(self.text)]
        return f"{line}\n{' ' * (self.offset - start)}^"
