from django import template

from casework.selectors.persuasion import case_persuasion

register = template.Library()


@register.inclusion_tag("persuasion/_case_talks.html")
def case_talks(case, events=None):
    """{% case_talks case %}: the case's talks, commitment and progress bar (for the case page);
    {% case_talks case events %} when every event of the case is already read."""
    return {"persuasion": case_persuasion(case=case, events=events)}
