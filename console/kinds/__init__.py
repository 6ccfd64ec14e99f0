"""Flow types in one registry: what each type of flow is, as data.

A ``FlowKind`` says, for one type: its label, its trigger parameters, whether it reads the ERP
and may be scheduled, which code cards the designer shows, which writer the runner uses, how a
row it writes is checked (``row_shapes``), and what a new flow of the type starts from. The
runner maps a writer id to its writer and the TUI maps a card id to its widget; a kind imports
neither. Adding a flow type starts here.
"""

from console.kinds.registry import KINDS, FlowKind, kind_of

__all__ = ["KINDS", "FlowKind", "kind_of"]
