"""Suite-wide settings: an isolated anchor cache per test session."""
from __future__ import annotations

import os
import tempfile

# Before any dataclaw import reads it: tests never touch the user's ~/.cache/dataclaw.
os.environ.setdefault("DATACLAW_CACHE", tempfile.mkdtemp(prefix="dataclaw-test-cache-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
