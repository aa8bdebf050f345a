"""The translation catalogues: complete, not fuzzy, placeholders intact, compiled, and used.

The interface defaults to Simplified Chinese; every msgid of the project is English (except the
Chinese names of document types), so a missing or fuzzy entry shows English to a Chinese user.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from casework.models import Squad, User

BASE_DIR = Path(__file__).resolve().parent.parent
ZH_PO = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
VIEWFLOW_PO = BASE_DIR / "locale_viewflow" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CATALOGUES = [ZH_PO, EN_PO, VIEWFLOW_PO]
CHINESE_CATALOGUES = [ZH_PO, VIEWFLOW_PO]

FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%%|\{[a-z_]+\}")


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file (header and obsolete `#~` entries left out).

    Each entry: `flags` (set), and its fields (`msgctxt`, `msgid`, `msgid_plural`, `msgstr` or
    `msgstr[N]`) as decoded strings.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, field, flags = {}, None, set()
        for line in block.splitlines():
            if not line.strip() or line.startswith("#~"):
                continue
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := FIELD.match(line):
                field = match.group(1)
                entry[field] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and field:
                entry[field] += ast.literal_eval(line)
            else:
                raise AssertionError(f"{path.name}: cannot read {line!r}")
        if entry.get("msgid"):
            entry["flags"] = flags
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in sorted(entry.items()) if key.startswith("msgstr")]


def label(entry: dict) -> str:
    return f"{entry.get('msgctxt', '')}|{entry['msgid']}"


def is_chinese(text: str) -> bool:
    return not re.search("[A-Za-z]", text)


@pytest.mark.parametrize("path", CHINESE_CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_every_string_has_a_chinese_translation(path):
    entries = parse_po(path)
    assert len(entries) > 100
    untranslated = [label(e) for e in entries if not all(t.strip() for t in translations(e))]
    assert not untranslated, f"{len(untranslated)} without a translation, e.g. {untranslated[:5]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_no_entry_is_fuzzy(path):
    """A fuzzy entry is ignored by compilemessages: its text would silently be English."""
    assert "#, fuzzy" not in path.read_text(encoding="utf-8").split("\nmsgid", 1)[0]  # the header
    fuzzy = [label(e) for e in parse_po(path) if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


@pytest.mark.parametrize("path", CHINESE_CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_chinese_has_one_plural_form(path):
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in path.read_text(encoding="utf-8")
    for entry in parse_po(path):
        if "msgid_plural" in entry:
            assert set(entry) - {"msgctxt", "msgid", "msgid_plural", "flags"} == {"msgstr[0]"}, label(entry)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_placeholders_are_kept(path):
    """%(name)s, %(count)d, %% and {name} survive translation (a lost one raises at run time)."""
    for entry in parse_po(path):
        source = entry.get("msgid_plural", entry["msgid"])
        expected = sorted(set(PLACEHOLDER.findall(source)))
        for text in translations(entry):
            if text:
                assert sorted(set(PLACEHOLDER.findall(text))) == expected, f"{label(entry)} -> {text}"


def test_english_catalogue_translates_only_the_chinese_msgids():
    entries = parse_po(EN_PO)
    chinese = [e for e in entries if is_chinese(e["msgid"])]
    assert chinese, "the document type names are Chinese msgids"
    for entry in entries:
        if is_chinese(entry["msgid"]):
            assert translations(entry)[0].strip(), f"no English for {entry['msgid']}"
            assert not is_chinese(translations(entry)[0]), entry["msgid"]
        else:
            assert not any(translations(entry)), f"an English msgid needs no English: {entry['msgid']}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_compiled_catalogue_matches_its_source(path):
    """The committed .mo holds exactly the .po's translations (run compilemessages after editing)."""
    with open(path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    for entry in parse_po(path):
        key = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            if entry["msgstr[0]"]:
                assert compiled[(key, 0)] == entry["msgstr[0]"], label(entry)
        elif entry["msgstr"]:
            assert compiled[key] == entry["msgstr"], label(entry)


def test_viewflow_catalogue_is_in_locale_paths():
    assert settings.LOCALE_PATHS[0] == BASE_DIR / "locale"  # ours win where both translate a msgid
    assert BASE_DIR / "locale_viewflow" in settings.LOCALE_PATHS


@pytest.fixture
def officer_client(client, db):
    squad = Squad.objects.create(name="小塘中队", code="xiaotang")
    officer = User.objects.create_user(username="officer1", password="x", full_name="李建国", squad=squad,
                                       is_field_officer=True, certificate_number="44060123001")
    client.force_login(officer)
    return client


def test_case_list_is_in_chinese_by_default(officer_client):
    html = officer_client.get(reverse("casework:case_list")).content.decode()
    assert "案件" in html
    assert "Cases" not in html
    assert "搜索" in html  # a template string, not only the menu


@pytest.mark.parametrize("how", ["accept_language", "cookie"])
def test_case_list_is_in_english_on_request(officer_client, how):
    if how == "cookie":
        officer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = officer_client.get(reverse("casework:case_list"))
    else:
        response = officer_client.get(reverse("casework:case_list"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Cases" in html
    assert "Search" in html
    assert "案件" not in html


def test_viewflow_shell_is_in_chinese(officer_client):
    """viewflow's own strings (the site menu, the inbox) come from locale_viewflow."""
    html = officer_client.get("/process/inbox/").content.decode()
    assert "收件箱" in html
    assert "Inbox" not in html
