"""Substring search over case numbers, party names and addresses, and locations, by character bigrams.

Chinese names and place words are often two characters, and pg_trgm cannot use its index for a
2-character LIKE. So each case stores the distinct character bigrams of the texts people search
(`Case.search_bigrams`, space-separated); on PostgreSQL a GIN index over
`string_to_array(search_bigrams, ' ')` finds the cases holding every bigram of the query, and
`icontains` then confirms the real substring (the bigrams only narrow the candidates). SQLite has
no such index and searches with `icontains` alone.

The set must be a superset of the bigrams of any substring of the texts: a bigram never spans a
separator, and queries are split at the same separators.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, F, Func, Q

# Whitespace (ASCII and the ideographic space) separates words; no bigram spans it.
SEPARATORS = " \t\r\n\u3000"
_SPLIT = re.compile(f"[{re.escape(SEPARATORS)}]+")
# The shortest query the bigram index can answer.
MIN_QUERY_LENGTH = 2


def text_bigrams(*texts: str) -> set[str]:
    """The distinct lower-case 2-character substrings of `texts`, none spanning whitespace."""
    result: set[str] = set()
    for text in texts:
        for word in _SPLIT.split((text or "").lower()):
            result.update(word[i:i + 2] for i in range(len(word) - 1))
    return result


def case_search_bigrams(*, number: str, location: str, party_name: str = "", party_address: str = "") -> str:
    """The value of Case.search_bigrams for these texts (sorted, space-separated)."""
    return " ".join(sorted(text_bigrams(number, location, party_name, party_address)))


def case_bigrams_of(case) -> str:
    """Case.search_bigrams for a case as it stands (its party read from the case)."""
    party = case.party if case.party_id else None
    return case_search_bigrams(number=case.number, location=case.location,
                               party_name=party.name if party else "", party_address=party.address if party else "")


def search_too_short(text: str) -> bool:
    """Whether a (stripped) query is too short to search: one character matches too much to be useful."""
    return 0 < len(text) < MIN_QUERY_LENGTH


def case_text_q(text: str) -> Q:
    """Cases whose number, location, or party's name or address contains `text` (at least 2 characters)."""
    confirm = (Q(number__icontains=text) | Q(party__name__icontains=text) | Q(party__address__icontains=text)
               | Q(location__icontains=text))
    bigrams = sorted(text_bigrams(text))
    if connection.vendor != "postgresql" or not bigrams:
        return confirm
    return Q(BigramsContain(bigrams)) & confirm


class BigramsContain(Func):
    """`string_to_array(search_bigrams, ' ') @> ARRAY[...]`: the expression of the GIN index of
    migration 0010 (casework_case_search_bigrams_gin), so PostgreSQL answers it from the index.
    The column goes through the compiler, so it names the right alias inside subqueries."""

    output_field = BooleanField()

    def __init__(self, bigrams: list[str]):
        super().__init__(F("search_bigrams"))
        self.bigrams = list(bigrams)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"string_to_array({column}, ' ') @> %s::text[]", (*params, self.bigrams)


# The same bigrams computed by PostgreSQL, for filling the column of existing rows (migration 0010):
# `lower` and the separators match text_bigrams; the order inside the value does not matter.
_BIGRAMS_OF = r"""coalesce((
    SELECT string_agg(DISTINCT substr(w, i, 2), ' ')
    FROM unnest(ARRAY[{texts}]) AS t(text),
         regexp_split_to_table(lower(coalesce(t.text, '')), E'[ \\t\\r\\n\u3000]+') AS w,
         generate_series(1, length(w) - 1) AS i
), '')"""


def bigrams_sql(*columns: str) -> str:
    """A PostgreSQL expression for Case.search_bigrams of these text columns."""
    return _BIGRAMS_OF.format(texts=", ".join(columns))


# casework_case aliased c; a case with a party, then one without.
FILL_SQL = [
    "UPDATE casework_case c SET search_bigrams = " + bigrams_sql("c.number", "c.location", "p.name", "p.address")
    + " FROM casework_party p WHERE p.id = c.party_id",
    "UPDATE casework_case c SET search_bigrams = " + bigrams_sql("c.number", "c.location")
    + " WHERE c.party_id IS NULL",
]
