"""DigitalChalk's agreements in a generated fixture set, and the users' answers to them."""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable, Mapping, Sequence
from random import Random
from typing import Any

from mockserver.fixtures.generate import between, chance

# Both made before the window opens (2019), so that every generated answer comes after its agreement.
AGREEMENTS = (
    {
        "type": "standard",
        "title": "Terms of Use",
        "text": (
            "By using this site you agree to use the courses for your own learning, to keep your password "
            "to yourself, and not to share course materials outside your organization."
        ),
        "createdDate": "2017-03-01T09:00:00Z",
        "updatedDate": "2018-05-25T09:00:00Z",
        "required": True,
    },
    {
        "type": "custom",
        "title": "Code of Conduct",
        "text": (
            "I will treat other learners and instructors with respect, submit only my own work, and report "
            "any misuse of the learning platform to the course administrator."
        ),
        "createdDate": "2018-09-03T09:00:00Z",
        "updatedDate": "2018-09-03T09:00:00Z",
        "required": False,
    },
)
STANDARD_AGREED = 0.85  # of the users who ever logged in
CUSTOM_ANSWERED = 0.5
CUSTOM_DECLINED = 0.1  # of those who answered it


def agreement_fixtures(
    rng: Random, users: Sequence[Mapping[str, Any]], timestamp: Callable[[int], str]
) -> dict[str, list[dict[str, Any]]]:
    """The `agreements` and `userAgreements` collections, dates written by `timestamp`. Only a user who
    logged in has answered: at a login between their creation and their last login. Most agreed to the
    standard agreement; half answered the custom one, a few of them declining it (`agreed: false`,
    dated)."""
    answers: list[dict[str, Any]] = []
    for user in users:
        last_login = user.get("lastLoginDate")
        if last_login is None:
            continue
        created, seen = _instant(user["createdDate"]), _instant(last_login)
        if chance(rng, STANDARD_AGREED):
            when = timestamp(between(rng, created, seen))
            answers.append({"userId": user["id"], "type": "standard", "agreed": True, "agreedDate": when})
        if chance(rng, CUSTOM_ANSWERED):
            agreed = not chance(rng, CUSTOM_DECLINED)
            when = timestamp(between(rng, created, seen))
            answers.append({"userId": user["id"], "type": "custom", "agreed": agreed, "agreedDate": when})
    return {"agreements": [dict(agreement) for agreement in AGREEMENTS], "userAgreements": answers}


def _instant(value: str) -> int:
    """Unix seconds of a generated timestamp (well formed: made by the generator), its day parsed once."""
    return _day(value[:10]) + int(value[11:13]) * 3600 + int(value[14:16]) * 60 + int(value[17:19])


@functools.cache
def _day(date: str) -> int:
    return calendar.timegm((int(date[:4]), int(date[5:7]), int(date[8:10]), 0, 0, 0))
