"""The pieces the case list and the case page draw in Python draw what their templates drew."""

import datetime as dt

import pytest
from django.db.models import Model
from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from casework.models import Case, CaseClock, CaseEvent, CaseSource, CaseStatus, ClockKind
from casework.models.records import EventKind
from casework.selectors.cases import ClockView
from casework.templatetags.casework_pages import case_url, clock_badge, select_options

# templates/casework/_clock.html before the tag replaced it.
CLOCK_TEMPLATE = """{% load i18n %}{% if clock %}<span class="cw-clock cw-clock--{{ clock.urgency }}" title="{{ clock.label }}">
  {% if clock.days_left < 0 %}{% blocktranslate count days=clock.days_overdue %}{{ days }} day overdue{% plural %}{{ days }} days overdue{% endblocktranslate %}
  {% elif clock.days_left == 0 %}{% translate "ends today" %}
  {% else %}{% blocktranslate count days=clock.days_left %}{{ days }} day left{% plural %}{{ days }} days left{% endblocktranslate %}{% endif %}
  · {{ clock.label }}</span>{% endif %}"""

# One of the case list's selects before the tag replaced the loop.
OPTIONS_TEMPLATE = """{% for value, label in choices %}<option value="{{ value }}"{% if selected == value %} selected{% endif %}>{{ label }}</option>{% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("days_left", [-12, -1, 0, 1, 3, 40])
@pytest.mark.parametrize("is_window", [False, True])
def test_clock_badge_draws_what_the_clock_template_drew(language, days_left, is_window):
    clock = ClockView(ClockKind.FILING, 'Filing <after> "inspection" & more', dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                      dt.date(2026, 2, 28), days_left, is_window, False, "")
    with translation.override(language):
        assert clock_badge(clock) == Template(CLOCK_TEMPLATE).render(Context({"clock": clock}))
        assert clock_badge(None) == "" == Template(CLOCK_TEMPLATE).render(Context({"clock": None}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("choices", "selected"), [
    (CaseStatus.choices, ""), (CaseStatus.choices, CaseStatus.PERSUADING), (CaseSource.choices, CaseSource.PATROL),
    ([(3, "一中队"), (12, 'A <b>"&"</b>'), (1234567, "x")], 12), ([(3, "一中队"), (4, "二中队")], None), ([], 3),
])
def test_select_options_draw_what_the_loop_drew(language, choices, selected):
    with translation.override(language):
        assert select_options(choices, selected) == Template(OPTIONS_TEMPLATE).render(
            Context({"choices": choices, "selected": selected}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("model", "field", "values"), [
    (Case, "status", [*CaseStatus.values, "", "no-such-state"]),
    (Case, "source", [*CaseSource.values, ""]),
    (Case, "outcome", ["", "x"]),
    (CaseClock, "kind", [*ClockKind.values, "unknown"]),
    (CaseEvent, "kind", [*EventKind.values]),
    (CaseEvent, "to_status", [*CaseStatus.values, ""]),
])
def test_get_display_answers_as_django_does(language, model, field, values):
    instance = model()
    model_field = model._meta.get_field(field)
    with translation.override(language):
        for value in values:
            instance.__dict__[model_field.attname] = value  # past django-fsm's guard on status
            shown = getattr(instance, f"get_{field}_display")()
            assert shown == Model._get_FIELD_display(instance, model_field)
            assert type(shown) is str


@pytest.mark.parametrize("prefix", ["/", "/office/"])
def test_case_url_is_the_reversed_address(prefix):
    set_script_prefix(prefix)
    try:
        for pk in (1, 7, 99740, 1_000_000, 987_654_321_987):
            assert case_url(pk) == reverse("casework:case_detail", args=[pk])
            assert case_url(pk).startswith(prefix)
    finally:
        clear_script_prefix()
