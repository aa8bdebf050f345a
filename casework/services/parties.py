from django.core.exceptions import ValidationError

from casework.errors import InvalidInput
from casework.models import Party, PartyKind


def party_save(*, party: Party | None, data: dict) -> Party:
    """Create or update a party from submitted data, validating the ID or credit code."""
    party = party or Party()
    for field in ("kind", "name", "identifier", "phone", "address"):
        if field in data and data[field] is not None:
            setattr(party, field, data[field].strip() if isinstance(data[field], str) else data[field])
    party.identifier = party.identifier.upper()
    if party.kind not in PartyKind.values:
        raise InvalidInput("party.kind", fields={"party.kind": ["person / organisation"]})
    if not party.name.strip():
        from django.utils.translation import gettext as _

        raise InvalidInput(_("Enter the party's name."), fields={"party.name": [_("Enter the party's name.")]})
    try:
        party.full_clean()
    except ValidationError as error:
        messages = {f"party.{name}": [str(m) for m in errors] for name, errors in error.message_dict.items()}
        raise InvalidInput("; ".join(m for ms in messages.values() for m in ms), fields=messages) from error
    existed = party.pk is not None
    party.save()
    if existed:
        _refresh_cases_search(party)
    return party


def _refresh_cases_search(party: Party) -> None:
    """Keep the search bigrams of the party's cases in step with its name and address."""
    from casework.search import case_bigrams_of

    for case in party.cases.all():
        case.party = party
        bigrams = case_bigrams_of(case)
        if bigrams != case.search_bigrams:
            type(case).objects.filter(pk=case.pk).update(search_bigrams=bigrams)
