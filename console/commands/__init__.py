"""Subcommands of the ``console`` CLI, one module per capability (``console.cli`` lists them).

Nothing is imported here: ``console flows list`` loads its own module and no other command's.
"""
