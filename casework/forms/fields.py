"""Form fields choosing rows by id that refuse ids no row can have.

Django's model choice fields pass a posted id to the database as it is: an id beyond the 64-bit
integer range (`99999999999999999999`) makes SQLite raise OverflowError and PostgreSQL a
DataError — a server error instead of "not a valid choice". These fields refuse such a value
as an invalid choice before any query.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

LARGEST_ID = 2**63 - 1


def _fits(value) -> bool:
    try:
        number = int(str(value).strip())
    except ValueError:
        return True  # not an integer: Django's own check refuses it
    return -LARGEST_ID - 1 <= number <= LARGEST_ID


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _fits(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not _fits(pk):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)
