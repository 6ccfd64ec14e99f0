"""integrator-console: a terminal console for ERP <-> Omnitron integration flows."""

__version__ = "0.1.0"
