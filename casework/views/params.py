"""Reading the query string of list and report pages: a value that makes no sense falls back
to the default (the page shows what it would show without it), never a server error."""

from __future__ import annotations

from django.utils import timezone

from casework.deadlines.calendar import local_date
from casework.forms.fields import LARGEST_ID

# The years a report may be asked for (the API's moments run 2000–2100 too).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_param(value: str | None) -> int:
    """The year asked for, or this year when none (or an impossible one) is given."""
    try:
        year = int(value or "")
    except ValueError:
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return local_date(timezone.now()).year
    return year


def id_param(value: str | None) -> int | None:
    """A row id (or a row's version number), or None when the value cannot be one."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 1 <= number <= LARGEST_ID else None
