import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casework.deadlines.calendar import local_date
from casework.models import CaseStatus, DocumentType, PublicityAction
from casework.services.persuasion import talk_log


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def today():
    return local_date(timezone.now())


def talk_post(case, **overrides):
    data = {
        "kind": "persuade", "attitude": "cooperative", "explained": ["planning_law_40", "costs_borne"],
        "owner_acknowledged": "on", "owner_statements": "同意自拆", "next_follow_up_on": today().isoformat(),
        "place": "现场", "owner_attendees": "张伟", "version": case.version,
        "third_party_name_1": "", "third_party_relation_1": "", "third_party_name_2": "", "third_party_relation_2": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def persuading(case_in):
    return case_in("persuading")


def test_talk_form_logs_a_talk_with_commitment_and_photo(client, persuading, cast):
    """Posting the compact form with a commitment date records the talk, the 约谈笔录, the
    commitment (state and 自行拆除承诺书) and the photo, then shows the case's talks."""
    client.force_login(cast.negotiator)
    url = reverse("persuasion:talk_new", args=[persuading.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'type="date"' in form.content.decode() and 'capture="environment"' in form.content.decode()
    response = client.post(url, talk_post(persuading, commitment_date=(today() + dt.timedelta(days=10)).isoformat(),
                                          photos=[jpeg()]))
    assert response.status_code == 302, response.content.decode()[:2000]
    persuading.refresh_from_db()
    assert persuading.status == CaseStatus.SELF_DEMOLITION_COMMITTED
    assert set(persuading.documents.values_list("document_type", flat=True)) >= {
        DocumentType.TALK_RECORD, DocumentType.SELF_DEMOLITION_COMMITMENT}
    assert persuading.talks.get().event.attachments.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "pw-mark--cooperative" in page and "pw-bar" in page


def test_talk_form_shows_refusals_beside_the_fields(client, persuading, cast):
    """A past commitment date and a follow-up before the talk come back as field errors (422)."""
    client.force_login(cast.negotiator)
    url = reverse("persuasion:talk_new", args=[persuading.pk])
    response = client.post(url, talk_post(persuading, commitment_date=(today() - dt.timedelta(days=1)).isoformat(),
                                          next_follow_up_on=(today() - dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) >= {"commitment_date", "next_follow_up_on"}
    assert not persuading.talks.exists()


def test_talk_form_is_forbidden_to_others(client, persuading, cast):
    """A field officer cannot open the talk form."""
    client.force_login(cast.officer)
    assert client.get(reverse("persuasion:talk_new", args=[persuading.pk])).status_code == 403


def test_my_cases_ordered_by_next_follow_up_with_broken_commitment(client, case_in, cast):
    """The negotiator's list puts the talk due first on top — the committed case, whose committed
    date passed months ago, before the two follow-ups — and marks its broken commitment."""
    later = case_in("persuading")
    sooner = case_in("persuading")
    talk_log(case=later, actor=cast.negotiator, kind="persuade", attitude="hesitant", place="x", owner_attendees="y",
             next_follow_up_on=today() + dt.timedelta(days=6))
    talk_log(case=sooner, actor=cast.negotiator, kind="persuade", attitude="resistant", place="x", owner_attendees="y",
             next_follow_up_on=today() + dt.timedelta(days=2))
    committed = case_in("self_demolition_committed")  # its commitment date is long past
    client.force_login(cast.negotiator)
    response = client.get(reverse("persuasion:mine"))
    rows = response.context["rows"]
    assert [r.case.pk for r in rows] == [committed.pk, sooner.pk, later.pk]
    assert rows[0].overdue and not rows[1].overdue
    assert rows[1].last_day == today() + dt.timedelta(days=2)  # the follow-up date the negotiator chose
    row = rows[0]
    assert row.commitment.state == "broken"
    assert "pw-broken" in response.content.decode()


def test_progress_form_refuses_more_than_the_illegal_area(client, case_in, cast):
    """The progress form reports the guard's refusal beside the area field."""
    case = case_in("self_demolition_committed")
    client.force_login(cast.officer)
    url = reverse("persuasion:progress_new", args=[case.pk])
    response = client.post(url, {"demolished_area": "999", "remarks": "", "version": case.version})
    assert response.status_code == 422
    assert "demolished_area" in response.context["form"].errors
    response = client.post(url, {"demolished_area": "30", "remarks": "拆除了一层", "version": case.version,
                                 "photos": [jpeg()]})
    assert response.status_code == 302


def test_publicity_form_links_all_open_cases(client, case_in, cast, community):
    """Ticking "all open cases" links every open case of the community."""
    case = case_in("persuading")
    client.force_login(cast.negotiator)
    response = client.post(reverse("persuasion:publicity"), {
        "community": community.pk, "occurred_on": today().isoformat(), "kind": "door_to_door",
        "description": "逐户派发宣传单", "all_open_cases": "on", "photos": [jpeg()],
    })
    assert response.status_code == 302
    action = PublicityAction.objects.get()
    assert list(action.cases.all()) == [case] and action.photos.count() == 1


def test_publicity_form_and_its_menu_entry_are_for_those_who_may_record_publicity(client, cast):
    """Field officers, negotiators and supervisors get the form and its menu entry; the head of
    office and the legal reviewer get neither (refused on opening the form, not after filling it in)."""
    url = reverse("persuasion:publicity")
    for user, allowed in ((cast.officer, True), (cast.negotiator, True), (cast.supervisor, True),
                          (cast.head, False), (cast.reviewer, False)):
        client.force_login(user)
        assert client.get(url).status_code == (200 if allowed else 403), user
        menu = client.get(reverse("casework:my_work")).content.decode()
        assert (f'href="{url}"' in menu) is allowed, user


def test_case_talks_tag_renders_the_partial(case_in, cast):
    """{% case_talks case %} renders the talks list and progress bar for the case page."""
    case = case_in("persuading")
    talk_log(case=case, actor=cast.negotiator, kind="leverage", attitude="hesitant", place="x", owner_attendees="y",
             third_parties=[{"name": "王书记", "relation": "party_branch"}])
    html = Template("{% load persuasion %}{% case_talks case %}").render(Context({"case": case}))
    assert "王书记" in html and "pw-bar" in html and "pw-mark--hesitant" in html
