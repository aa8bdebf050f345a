"""Related rows read as one JSON column of their parent's query, and turned back into model instances.

A page that shows one case with its events, clocks, documents and attachments would otherwise
send a query per kind of row. On a small case each of those costs mostly building and sending
the query, not its rows (about 1 ms of ORM work against a fraction of that in the database), so
reading them as JSON columns of one query makes the page several times cheaper. The instances
come from `Model.from_db`, as the ORM's own, with the same Python values: the tests compare them
field by field with instances the ORM loaded.

    EVENTS = RowShape(CaseEvent, order_by=("occurred_at", "id"), related={"actor": RowShape(User, fields=...)})
    CASE_EVENTS = RowColumns(Case, lambda: {"events": EVENTS.column(CaseEvent.objects.filter(case=OuterRef("pk")))})
    events = EVENTS.load(CASE_EVENTS.read(case.pk)["events"])

RowColumns compiles its statement with the ORM once per database and then only runs it: for a
read this small, building and compiling the query is most of its cost.

The order is applied in Python after loading (an aggregate's input order is not something SQL
promises), so `order_by` fields must never be NULL.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, models
from django.db.models import Expression, F, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

# Field types whose JSON form the loader knows how to turn back into the ORM's Python value.
_PLAIN = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "CharField", "TextField",
    "EmailField", "SlugField", "URLField", "FileField", "ImageField", "ForeignKey", "OneToOneField",
    "GenericIPAddressField", "FloatField",
}
_CONVERTED = {"BooleanField", "DateTimeField", "DateField", "DecimalField", "UUIDField", "JSONField"}


@dataclass(eq=False)  # compared and hashed as itself: query expressions hold it
class RowShape:
    """Which columns of `model` to read (all concrete fields but `defer`, or only `fields`),
    which forward or reverse one-to-one/foreign-key relations to read along with each row, and
    the order of the loaded rows."""

    model: type[models.Model]
    fields: tuple[str, ...] | None = None
    defer: tuple[str, ...] = ()
    related: dict[str, RowShape] = field(default_factory=dict)
    order_by: tuple[str, ...] = ()

    def __post_init__(self):
        wanted = set(self.fields) if self.fields is not None else None
        pk = self.model._meta.pk
        self._fields = [
            f for f in self.model._meta.concrete_fields
            if f is pk or (f.name not in self.defer and (wanted is None or f.name in wanted or f.attname in wanted))
        ]
        for f in self._fields:
            kind = f.get_internal_type()
            if kind not in _PLAIN and kind not in _CONVERTED:
                raise ValueError(f"RowShape cannot read {self.model.__name__}.{f.name}: {kind} is not supported.")
        self._relations = {name: self.model._meta.get_field(name) for name in self.related}
        self._attnames = [f.attname for f in self._fields]
        # Only these need turning from JSON into the ORM's Python value; the rest are as JSON has them.
        self._converted = [(index, f) for index, f in enumerate(self._fields) if f.get_internal_type() in _CONVERTED]
        if not any(not f.primary_key for f in self._fields):
            raise ValueError(f"RowShape of {self.model.__name__} needs a field besides its key.")

    # --- SQL --------------------------------------------------------------------------------

    def column(self, queryset: models.QuerySet) -> JSONRows:
        """The rows of `queryset` (which refers to the outer query through OuterRef) as one JSON
        array value."""
        return JSONRows(queryset.order_by().values(json_row=self.object()))

    def object(self) -> Expression:
        """One row of the shape as a JSON object, for a query on `model` (`instance` loads it)."""
        return _RowObject(self)

    # --- Python -----------------------------------------------------------------------------

    def load(self, value: str | None, *, using: str = "default") -> list[models.Model]:
        """The instances of a `column` value (the text the database returned)."""
        rows = json.loads(value, parse_float=Decimal) if value else []
        loaded = [self._instance(row, using) for row in rows if row is not None]
        for name in reversed(self.order_by):
            attribute = name.lstrip("-")
            loaded.sort(key=lambda instance: getattr(instance, attribute), reverse=name.startswith("-"))
        return loaded

    def instance(self, row: dict | str, *, using: str = "default") -> models.Model:
        """The instance of one `object` value (SQLite returns it as text)."""
        return self._instance(json.loads(row, parse_float=Decimal) if isinstance(row, str) else row, using)

    def _instance(self, row: dict, using: str) -> models.Model:
        values = [row.get(attname) for attname in self._attnames]
        if self._converted:
            vendor = _vendor(using)
            for index, model_field in self._converted:
                values[index] = _python_value(model_field, values[index], vendor)
        instance = self.model.from_db(using, self._attnames, values)
        for name, shape in self.related.items():
            relation = self._relations[name]
            found = row.get(name)
            related = (shape._instance(found, using)
                       if found is not None and found.get(shape.model._meta.pk.attname) is not None else None)
            relation.set_cached_value(instance, related)
            # The other side knows this row too, as it would after select_related.
            if related is not None and relation.one_to_one:
                relation.remote_field.set_cached_value(related, instance)
        return instance


class _RowObject(Expression):
    """One row of a RowShape as a JSON object. Every column of a table is written from the
    table's alias (found by resolving one of its fields), not as an F() expression each: the
    ORM's work per expression, repeated for every column of every shape, cost more than the
    queries this module saves."""

    def __init__(self, shape: RowShape, path: str = "", anchor=None, nested=()):
        super().__init__(output_field=models.JSONField())
        self.shape, self.path, self.anchor, self.nested = shape, path, anchor, list(nested)

    def get_source_expressions(self):
        return [self.anchor, *self.nested] if self.anchor is not None else []

    def set_source_expressions(self, exprs):
        if exprs:
            self.anchor, *self.nested = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        if self.anchor is not None:
            # Resolved already, in its own query: the outer query resolving it again (for its
            # OuterRefs) finds plain columns.
            return super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved = self.copy()
        # A field of this table other than its key: resolving a related table's key could be
        # answered from the foreign key column, without joining the table.
        anchor = next(f for f in self.shape._fields if not f.primary_key)
        resolved.anchor = F(self.path + anchor.attname).resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved.nested = [
            _RowObject(shape, f"{self.path}{name}__").resolve_expression(query, allow_joins, reuse, summarize, for_save)
            for name, shape in self.shape.related.items()
        ]
        return resolved

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        table = compiler.quote_name_unless_alias(self.anchor.alias)
        # Keys are attribute names (identifiers), safe to write into the statement.
        parts = [f"'{f.attname}', {table}.{quote(f.column)}" for f in self.shape._fields]
        params = []
        for name, nested in zip(self.shape.related, self.nested, strict=True):
            sql, nested_params = compiler.compile(nested)
            parts.append(f"'{name}', {sql}")
            params.extend(nested_params)
        # PostgreSQL takes at most 100 arguments to a function (SQLite 127 by default): a wide
        # table is written as several objects merged.
        chunks = [", ".join(parts[start:start + _PAIRS_PER_CALL]) for start in range(0, len(parts), _PAIRS_PER_CALL)]
        if connection.vendor == "postgresql":
            return " || ".join(f"JSONB_BUILD_OBJECT({chunk})" for chunk in chunks), params
        # JSON_PATCH drops a null member of the patch (RFC 7396): the loader reads an absent key
        # as None, which is what the null stood for.
        objects = [f"JSON_OBJECT({chunk})" for chunk in chunks]
        merged = objects[0]
        for more in objects[1:]:
            merged = f"JSON_PATCH({merged}, {more})"
        return merged, params


_PAIRS_PER_CALL = 40


# Stands for the primary key in a RowColumns statement while it is compiled: a value no row has.
_PK_PLACEHOLDER = -7_318_442_559_017


class RowColumns:
    """Columns (typically RowShape.column values) of one row of `model`, read by primary key.

    `columns` is called once per database to build them; the statement the ORM compiles from
    them is kept and run again with each primary key.
    """

    def __init__(self, model: type[models.Model], columns: Callable[[], dict]):
        self.model = model
        self.columns = columns
        self._statements: dict[str, tuple[str, list]] = {}

    def read(self, pk, *, using: str = "default") -> dict | None:
        """{column name: value} of the row `pk`, or None if there is no such row."""
        statement = self._statements.get(using) or self._compile(using)
        sql, params = statement
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [pk if param == _PK_PLACEHOLDER else param for param in params])
            found = cursor.fetchone()
            names = [column[0] for column in cursor.description]
        return None if found is None else dict(zip(names, found, strict=True))

    def _compile(self, using: str) -> tuple[str, list]:
        queryset = (self.model._base_manager.using(using).filter(pk=_PK_PLACEHOLDER).order_by()
                    .values(**self.columns()))
        sql, params = queryset.query.get_compiler(using).as_sql()
        if list(params).count(_PK_PLACEHOLDER) != 1:
            raise ValueError(f"RowColumns of {self.model.__name__}: the statement must take the key exactly once.")
        self._statements[using] = (sql, list(params))
        return self._statements[using]


class JSONRows(Subquery):
    """A subquery's single `json_row` column aggregated into one JSON array, returned as text."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if connection.vendor == "postgresql":
            aggregate = "CAST(JSONB_AGG(json_rows.json_row) AS text)"
        elif connection.vendor == "sqlite":
            # The row loses its JSON subtype on leaving the subquery: JSON() gives it back, so the
            # array holds objects rather than strings.
            aggregate = "JSON_GROUP_ARRAY(JSON(json_rows.json_row))"
        else:
            raise NotImplementedError(f"JSONRows does not support {connection.vendor}.")
        return super().as_sql(compiler, connection, template=f"(SELECT {aggregate} FROM (%(subquery)s) json_rows)",
                              **extra_context)


def _vendor(using: str) -> str:
    return connections[using].vendor


def _python_value(model_field: models.Field, value, vendor: str):
    """The value the ORM would have given for `model_field`, from its JSON form."""
    if value is None:
        return None
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        moment = parse_datetime(value)
        # SQLite keeps UTC without an offset; PostgreSQL's JSON writes the offset.
        return timezone.make_aware(moment, dt.UTC) if timezone.is_naive(moment) else moment.astimezone(dt.UTC)
    if kind == "DateField":
        return parse_date(value)
    if kind == "BooleanField":
        return bool(value)
    if kind == "DecimalField":
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-model_field.decimal_places))
    if kind == "UUIDField":
        return uuid.UUID(str(value))
    if kind == "JSONField":
        # PostgreSQL nests a jsonb column as JSON; SQLite keeps a JSON column's text as a string.
        return json.loads(value) if vendor == "sqlite" else _plain_json(value)
    return value


def _plain_json(value):
    """A JSON field's value as json.loads gives it (floats, not the Decimals read for decimal columns)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    return value
