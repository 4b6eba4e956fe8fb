"""Entry point for `python -m mockserver`."""

from __future__ import annotations

from mockserver.cli import main

main()
