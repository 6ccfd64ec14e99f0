"""The Textual user interface. It depends on the core packages; nothing in the core imports it."""
