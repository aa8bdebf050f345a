from django.db import transaction
from django.db.models import F

from casework.models import NumberSequence


def number_next(*, series: str, year: int) -> int:
    """The next number of a series: gapless and unique under concurrent callers.

    The UPDATE takes the row's write lock until the caller's transaction ends, so concurrent
    issuers queue behind it (PostgreSQL row lock; SQLite database write lock) and a
    rolled-back issue gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the transaction that uses the number")
    NumberSequence.objects.bulk_create(
        [NumberSequence(series=series, year=year, last_value=0)], ignore_conflicts=True
    )
    NumberSequence.objects.filter(series=series, year=year).update(last_value=F("last_value") + 1)
    return NumberSequence.objects.filter(series=series, year=year).values_list("last_value", flat=True).get()
