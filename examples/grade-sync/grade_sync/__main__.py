"""`python -m grade_sync MAPPING.json`: run one sync with the vendors named by the environment.

FULLFABRIC_URL, FULLFABRIC_TOKEN, DIGITALCHALK_URL (ending in /dc/api/v5), DIGITALCHALK_TOKEN; the
mapping file is `{"profiles": {userId: profile_id}, "units": {offeringId: [unit_id, context_id]}}`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from grade_sync.clients import DigitalChalk, FullFabric
from grade_sync.sync import Mapping, sync


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m grade_sync MAPPING.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(args[0]).read_text())
    mapping = Mapping(
        profiles=spec["profiles"], units={offering: tuple(pair) for offering, pair in spec["units"].items()}
    )
    digitalchalk = DigitalChalk(os.environ["DIGITALCHALK_URL"], os.environ["DIGITALCHALK_TOKEN"])
    fullfabric = FullFabric(os.environ["FULLFABRIC_URL"], os.environ["FULLFABRIC_TOKEN"])
    try:
        report = sync(digitalchalk, fullfabric, mapping, ended_since=os.environ.get("ENDED_SINCE"))
    finally:
        digitalchalk.close()
        fullfabric.close()
    print(json.dumps({"synced": report.synced, "failed": report.failed, "skipped": report.skipped}, indent=2))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
