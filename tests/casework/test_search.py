"""The list's search: character bigrams kept by the services, confirmed by the real substring."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from casework.models import Case, CaseStatus, Party
from casework.scenarios import CaseRecipe
from casework.search import FILL_SQL, case_bigrams_of, text_bigrams
from casework.selectors.cases import CaseFilters, case_list
from casework.services.parties import party_save
from tests.casework.conftest import RECIPE

S = CaseStatus


def found(user, text: str) -> list[str]:
    return sorted(case.number for case in case_list(user=user, filters=CaseFilters(q=text)))


def test_bigrams_are_lower_case_and_never_span_whitespace():
    assert text_bigrams("张伟") == {"张伟"}
    assert text_bigrams("AB 张\u3000伟明", "") == {"ab", "伟明"}
    assert text_bigrams("王") == set()


def test_search_finds_two_character_names_and_addresses(cast, case_in, scenario):
    """A 2-character name, part of an address or location, and the case number each find their case."""
    first = case_in(S.REPORTED)
    other = scenario(recipe=CaseRecipe(location="官窑大道88号", illegal_area=RECIPE.illegal_area, party_name="李娜",
                                       party_identifier="")).run([])
    user = cast.supervisor
    assert found(user, "张伟") == [first.number]
    assert found(user, "李娜") == [other.number]
    assert found(user, "窑大") == [other.number]
    assert found(user, "东区12号") == [first.number]
    assert found(user, other.number) == [other.number]
    assert found(user, "伟李") == []


def test_every_bigram_present_is_not_enough(cast, scenario):
    """The bigrams only narrow the candidates: the words must appear as typed."""
    case = scenario(recipe=CaseRecipe(location="明王村伟明路1号", illegal_area=RECIPE.illegal_area,
                                      party_name="赵强", party_identifier="")).run([])
    assert {"伟明", "明王"} <= set(case.search_bigrams.split())
    assert found(cast.supervisor, "伟明王") == []
    assert found(cast.supervisor, "明王村") == [case.number]


def test_services_keep_the_bigrams_in_step(cast, case_in, scenario):
    """Registration stores the bigrams; a changed party name (in a step's form, or of the party's other case) updates them."""
    case = case_in(S.REPORTED)
    assert set(case.search_bigrams.split()) == text_bigrams(case.number, case.location, "张伟", case.party.address)
    second = scenario().run([])
    party_save(party=second.party, data={"name": "欧阳娜娜"})
    assert found(cast.supervisor, "欧阳") == [second.number]
    assert found(cast.supervisor, "张伟") == [case.number]

    shared = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=second.pk).update(party=shared.party)
    party_save(party=shared.party, data={"name": "司马光"})
    assert found(cast.supervisor, "司马") == sorted([case.number, second.number])
    assert found(cast.supervisor, "张伟") == []


def test_one_character_is_not_searched_and_the_page_says_so(client, cast, case_in):
    """A 1-character query would match much of the office and no index serves it: the page lists
    without searching and asks for 2 characters; the API refuses it."""
    case = case_in(S.REPORTED)
    client.force_login(cast.supervisor)
    response = client.get(reverse("casework:case_list"), {"q": "张"})
    assert [row[0].number for row in response.context["rows"]] == [case.number]
    assert response.context["search_too_short"] is True
    api = APIClient()
    api.force_authenticate(cast.supervisor)
    refused = api.get(reverse("api:case_list"), {"q": "张"})
    assert refused.status_code == 400
    assert api.get(reverse("api:case_list"), {"q": "张伟"}).json()["count"] == 1


def test_a_nul_in_the_search_is_left_out(client, cast, case_in):
    """A NUL byte in the query (a hand-made link: PostgreSQL refuses it in any text) is left out
    by the selector: the search is for the characters around it."""
    first = case_in(S.REPORTED)
    assert found(cast.supervisor, "张\x00伟") == [first.number]
    assert found(cast.supervisor, "\x00") == [first.number]  # nothing left to search
    # The page never gets it: the address is refused first (casework.middleware.RefuseNulMiddleware).
    client.force_login(cast.supervisor)
    assert client.get(reverse("casework:case_list"), {"q": "张\x00伟"}).status_code == 400


@pytest.mark.postgres
def test_postgres_fill_computes_the_same_bigrams(cast, case_in, scenario):
    """Migration 0010's UPDATE gives every case the bigrams the services compute (also without a party)."""
    with_party = case_in(S.REPORTED)
    without = scenario().register()
    Case.objects.filter(pk=without.pk).update(party=None, location="Block A\t官窑  大道")
    Party.objects.filter(pk=with_party.party_id).update(address="广东省 佛山市\u3000南海区")
    expected = {pk: case_bigrams_of(Case.objects.select_related("party").get(pk=pk))
                for pk in (with_party.pk, without.pk)}
    Case.objects.update(search_bigrams="")
    with connection.cursor() as cursor:
        for statement in FILL_SQL:
            cursor.execute(statement)
    for pk, bigrams in expected.items():
        assert set(Case.objects.get(pk=pk).search_bigrams.split()) == set(bigrams.split())
    assert found(cast.supervisor, "南海") == [with_party.number]
    assert found(cast.supervisor, "官窑") == [without.number]
