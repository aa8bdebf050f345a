"""What a supervisor does on the overdue review page."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from casework.authorization import permits, refusal
from casework.errors import CaseworkError, InvalidInput, NotAllowed
from casework.models import Case, CaseNote, User
from casework.services.cases import case_assign_officers, case_note_add


def _check_reviewer(actor: User, action: str) -> None:
    if not permits(actor, action):
        raise NotAllowed(_("Only supervisors and the head of office review overdue cases."))


def overdue_review_note_add(*, case: Case, actor: User, reason: str, next_step: str, clock_label: str = "") -> CaseNote:
    """Record that the supervisor reviewed the late case: why it is late and what happens next.

    Stored as a note, so it appears on the case's timeline as an event of kind note.
    """
    _check_reviewer(actor, "add_review_note")
    if refusal(actor, "add_review_note", case=case):
        raise NotAllowed(_("This case belongs to another squad."))
    reason, next_step = (reason or "").strip(), (next_step or "").strip()
    fields = {}
    if not reason:
        fields["reason"] = [_("Say why the case is late.")]
    if not next_step:
        fields["next_step"] = [_("Say what happens next.")]
    if fields:
        raise InvalidInput(next(iter(fields.values()))[0], fields=fields)
    # A note is part of the record, so written in the office's language.
    with translation.override("zh-hans"):
        heading = _("Overdue review") + (f"（{clock_label}）" if clock_label else "")
        text = f"{heading}：{_('reviewed')}。\n{_('Reason')}：{reason}\n{_('Next step')}：{next_step}"
    return case_note_add(case=case, actor=actor, text=text)


def cases_reassign_officers(*, cases: list[Case], actor: User, officers: list[User], reason: str = "") -> tuple[
        list[Case], list[tuple[Case, CaseworkError]]]:
    """Reassign several cases; each case is its own transaction, refusals are returned per case."""
    _check_reviewer(actor, "bulk_reassign")
    done, refused = [], []
    for case in cases:
        try:
            with transaction.atomic():
                done.append(case_assign_officers(case=case, actor=actor, officers=officers, reason=reason))
        except CaseworkError as error:
            refused.append((case, error))
    return done, refused
