"""Widgets of the console, one per file, each with its stylesheet beside it."""
