from django import template

from casework.documents.content import cn_date as _cn_date

register = template.Library()


@register.filter
def cn_date(value) -> str:
    """An ISO date or datetime from a document snapshot as 2026年3月1日."""
    return _cn_date(value)
