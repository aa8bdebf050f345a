"""Pieces of the case list and the case page drawn in Python: each is repeated many times on a
page, and the equivalent template (an include, a loop of options) costs far more to render."""

from html import escape

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()

# An id no case has: where a case's id goes in the reversed address.
_PK_MARK = 987_654_321_987
_CASE_URLS: dict[tuple, list[str]] = {}


@register.simple_tag
def clock_badge(clock) -> str:
    """A clock (casework.selectors.cases.ClockView) as the days left or overdue and its name;
    nothing for None. The texts are those the clock's template had (same messages to translate)."""
    if not clock:
        return ""
    # A translation is trusted markup (as in {% blocktranslate %}); only the number is put in.
    if clock.days_left < 0:
        days = clock.days_overdue
        text = ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": localize(days)} + "\n  "
    elif clock.days_left == 0:
        text = gettext("ends today") + "\n  "
    else:
        days = clock.days_left
        text = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": localize(days)}
    return format_html('<span class="cw-clock cw-clock--{}" title="{}">\n  {}\n  · {}</span>',
                       clock.urgency, clock.label, mark_safe(text), clock.label)


@register.simple_tag
def select_options(choices, selected) -> str:
    """The <option>s of a filter's select from (value, label) pairs, the one equal to
    `selected` marked selected. Escaped as {{ }} would (labels are never marked safe), by the
    standard library's escape: format_html's checks of every argument cost more than the rest."""
    return mark_safe("".join([
        f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>{escape(str(label))}</option>'
        for value, label in choices
    ]))


@register.filter
def case_url(pk) -> str:
    """What {% url 'casework:case_detail' pk %} answers, reversed once per URL configuration
    (script prefix, URL conf, language) instead of once per row of the list: the reversal
    checks the result against the pattern, most of the cost of drawing a row."""
    key = (get_script_prefix(), get_urlconf(), get_language())
    parts = _CASE_URLS.get(key)
    if parts is None:
        parts = _CASE_URLS[key] = reverse("casework:case_detail", args=[_PK_MARK]).split(str(_PK_MARK))
    if len(parts) != 2 or not isinstance(pk, int) or pk < 0:
        return reverse("casework:case_detail", args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"
