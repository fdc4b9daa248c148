"""Fixtures: real small media (an MP4 made with PyAV, JPEGs with PIL) and a hand-built AnchorSet."""
from __future__ import annotations

from ve_data import anchorset, media_dir  # noqa: F401 - fixtures
