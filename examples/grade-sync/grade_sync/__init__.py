"""grade-sync: copy final grades from DigitalChalk (the LMS) to FullFabric (the student record)."""

from grade_sync.clients import DigitalChalk, FullFabric
from grade_sync.sync import Mapping, Report, sync

__all__ = ["DigitalChalk", "FullFabric", "Mapping", "Report", "sync"]
