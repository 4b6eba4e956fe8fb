"""`python -m enrolment EMAIL FIRST LAST OFFERING_ID`: enrol one customer; DIGITALCHALK_URL (ending in
`/dc/api/v5`) and DIGITALCHALK_TOKEN from the environment. Exit 0 registered, 3 not available."""

from __future__ import annotations

import argparse
import os
import sys

from enrolment import Customer, DigitalChalk, enrol


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="enrol", description=__doc__)
    parser.add_argument("email")
    parser.add_argument("first_name")
    parser.add_argument("last_name")
    parser.add_argument("offering_id")
    parser.add_argument("--city", default="")
    parser.add_argument("--phone", default="")
    args = parser.parse_args(argv)
    dc = DigitalChalk(os.environ["DIGITALCHALK_URL"], os.environ["DIGITALCHALK_TOKEN"])
    try:
        customer = Customer(
            args.email, args.first_name, args.last_name, {"city": args.city, "phone": args.phone}
        )
        outcome = enrol(dc, customer, args.offering_id)
    finally:
        dc.close()
    made = "created" if outcome.created else "found"
    if not outcome.registered:
        print(f"user {outcome.user_id} ({made}): offering {args.offering_id} is not available to them")
        return 3
    print(f"user {outcome.user_id} ({made}): registration {outcome.registration_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
