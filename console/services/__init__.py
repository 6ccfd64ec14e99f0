"""What a user can do, written once for both the command line and the TUI.

Commands and screens parse input and render output; the services here drive the core (flows,
runner store, Omnitron client) and return plain data or raise ``ServiceError`` with a message a
person can act on. A service never imports the UI, and never blocks on anything but its own work:
screens call services from worker threads.
"""

from console.services.errors import ServiceError

__all__ = ["ServiceError"]
