"""Flow types as data: what each kind of flow needs, kept apart from the runner and the UI.

Today this holds the row shapes the write step checks (``row_shapes``); the flow-type registry
grows here.
"""
