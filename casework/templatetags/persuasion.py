from django import template

from casework.selectors.persuasion import case_persuasion

register = template.Library()


@register.inclusion_tag("persuasion/_case_talks.html")
def case_talks(case):
    """{% case_talks case %}: the case's talks, commitment and progress bar (for the case page)."""
    return {"persuasion": case_persuasion(case=case)}
