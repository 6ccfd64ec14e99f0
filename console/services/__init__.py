"""What a user can do, once, for both the CLI and the TUI: each module returns plain data."""
