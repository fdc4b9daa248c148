"""`dataclaw view`: browse, filter and curate a dataset folder in a local web app."""
from __future__ import annotations

from .server import make_server, serve_in_thread

__all__ = ["make_server", "serve_in_thread"]
