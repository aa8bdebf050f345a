"""A faster get_FOO_display() for the models the busiest pages show."""

from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict = {}


def choice_display(instance, field) -> str:
    """What Django's Model._get_FIELD_display answers (the label in the active language, or the
    value itself if it is not a choice), from a mapping built once per field: Django rebuilds
    it from every choice on each call, a large part of rendering a page of 25 cases.
    Assigned as `_get_FIELD_display` in a model's body, it serves every get_FOO_display()."""
    labels = _LABELS.get(field)
    if labels is None:
        # Choices given as a callable may change from call to call: only fixed lists are kept.
        if not isinstance(field.choices, (list, tuple)):
            return Model._get_FIELD_display(instance, field)
        labels = _LABELS[field] = dict(make_hashable(field.flatchoices))
    value = getattr(instance, field.attname)
    return force_str(labels.get(make_hashable(value), value), strings_only=True)
