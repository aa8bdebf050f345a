from django.db import connection, transaction

from casework.models import NumberSequence


def number_next(*, series: str, year: int) -> int:
    """The next number of a series: gapless and unique under concurrent callers.

    One upsert that creates the series' row at 1 or adds 1 to it, and returns the number. It
    takes the row's write lock until the caller's transaction ends, so concurrent issuers
    queue behind it (PostgreSQL row lock; SQLite database write lock) and a rolled-back issue
    gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the transaction that uses the number")
    qn = connection.ops.quote_name
    table = qn(NumberSequence._meta.db_table)
    series_column, year_column, last = (qn(NumberSequence._meta.get_field(name).column)
                                        for name in ("series", "year", "last_value"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({series_column}, {year_column}, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({series_column}, {year_column}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [series, year],
        )
        return cursor.fetchone()[0]
