import io
import logging

import pytest
from pypdf import PdfReader

from casework.documents.content import deadline_text
from casework.documents.rendering import render_pdf
from casework.documents.samples import sample_document
from casework.models import DocumentType
from casework.services.documents import APPROVAL_FORMS


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def compact(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("document_type", DocumentType.values)
def test_each_type_shows_number_case_party_area_and_deadline(document_type, caplog):
    """Every type's PDF carries its number, the case number, the party, the area, and its
    deadline sentence where the type has one; no glyph warning is logged."""
    document = sample_document(document_type)
    with caplog.at_level(logging.WARNING):
        text = compact(pdf_text(render_pdf(document)))
    assert compact(document.number) in text
    assert "〔2026〕第0034号" in text
    assert "张伟" in text
    # The full ID number on what is addressed to or signed by the party; internal approval forms
    # carry the masked one (docs/security.md, "Personal data").
    assert ("110105********002X" if document_type in APPROVAL_FORMS else "11010519491231002X") in text
    if document_type != DocumentType.SERVICE_RECEIPT:
        assert "120.50" in text
    deadline = deadline_text(document.data)
    if document_type in (DocumentType.DEMOLITION_DECISION, DocumentType.PRIOR_NOTICE, DocumentType.DEMAND,
                         DocumentType.FORCED_DEMOLITION_ANNOUNCEMENT, DocumentType.HEARING_NOTICE,
                         DocumentType.FILING_APPROVAL, DocumentType.RECTIFICATION_NOTICE,
                         DocumentType.SELF_DEMOLITION_COMMITMENT, DocumentType.SERVICE_RECEIPT):
        assert deadline
    if deadline:
        assert compact(deadline) in text
    assert "ABCDEFGH23" in text  # the verification code next to the QR code
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))], caplog.text


@pytest.mark.parametrize("document_type", [DocumentType.DEMOLITION_DECISION, DocumentType.RECTIFICATION_NOTICE,
                                           DocumentType.EXECUTION_DECISION])
def test_decisions_state_the_remedies_in_full(document_type):
    """Decisions name the reconsideration body with 60 days and the court with 6 months."""
    text = compact(pdf_text(render_pdf(sample_document(document_type))))
    assert "60日内向佛山市南海区人民政府申请行政复议" in text
    assert "6个月内向佛山市南海区人民法院提起行政诉讼" in text


def test_approval_forms_carry_the_chain_of_opinions():
    """An approval form shows each approver's role, opinion, name and date."""
    text = compact(pdf_text(render_pdf(sample_document(DocumentType.FILING_APPROVAL))))
    for part in ("承办人", "中队长", "负责人", "经现场检查，情况属实，建议立案。", "陈刚", "2026年3月2日"):
        assert part in text


def test_rare_characters_and_a_2000_character_address_render_without_missing_glyphs(caplog):
    """𠮷 and 龘 are drawn with a real glyph (no .notdef warning) and a 2,000-character
    address wraps onto further pages instead of overflowing."""
    address = ("五星村东区" * 400)[:2000]
    document = sample_document(DocumentType.DEMOLITION_DECISION, party_name="𠮷龘", address=address)
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        pdf = render_pdf(document)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    text = compact(pdf_text(pdf))
    assert "𠮷龘" in text
    assert text.count("五星村东区") >= 800  # the address appears whole (twice: table and facts)
    messages = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert "glyph" not in messages.lower() and "notdef" not in messages.lower(), messages


def test_rendering_is_deterministic_with_dates_from_the_document():
    """The same stored data gives the same bytes; the PDF dates are the document's issue time."""
    document = sample_document(DocumentType.PRIOR_NOTICE)
    first, second = render_pdf(document), render_pdf(document)
    assert first == second
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata["/CreationDate"].startswith("D:20260302100000")
    assert metadata["/ModDate"] == metadata["/CreationDate"]


def test_html_is_chinese_a4_with_the_gbt_9704_margins():
    """The template declares zh-CN, A4, top margin 37 mm and left 28 mm, 16 pt body, 22 pt title."""
    from casework.documents.rendering import render_html

    html = render_html(sample_document(DocumentType.STOP_ORDER))
    assert '<html lang="zh-CN">' in html
    assert "size: A4" in html and "margin: 37mm 26mm 35mm 28mm" in html
    assert "font-size: 16pt" in html and "font-size: 22pt" in html
    assert "http://" in html and "/verify/ABCDEFGH23" in html and "<svg" in html


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_rare_characters_come_from_noto_serif_cjk_sc_without_a_fallback_font():
    """𠮷 (U+20BB7) and 龘 are in Noto Serif CJK SC: the PDF embeds only the body face and the
    small title face, no other fallback font."""
    pdf = render_pdf(sample_document(DocumentType.STOP_ORDER, party_name="𠮷龘"))
    assert _font_names(pdf) <= {"Noto-Serif-CJK-SC", "Document-Title-Heavy"}


def test_the_notdef_check_does_catch_a_character_no_font_has(caplog):
    """Control for the glyph checks above: an unassigned code point logs WeasyPrint's .notdef warning."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(sample_document(DocumentType.TALK_RECORD, party_name="张\U000e01ff\U0010fffd伟"))
    assert "notdef" in caplog.text


def test_title_font_is_made_the_same_on_every_machine(settings, tmp_path):
    """The cut-down title font is byte-identical when made again (no timestamp), so renders
    do not depend on when the cache was filled."""
    from casework.documents import fonts

    made = []
    for name in ("a", "b"):
        settings.DATA_DIR = tmp_path / name
        fonts.title_font_path.cache_clear()
        made.append(fonts.title_font_path().read_bytes())
    fonts.title_font_path.cache_clear()
    assert made[0] == made[1] and len(made[0]) < 100_000


def test_a_masked_copy_masks_the_id_number_and_says_it_is_a_copy(caplog):
    """The copy for someone outside the case prints the masked number and the copy note (with no
    glyph missing); the original prints the full number and no note."""
    document = sample_document(DocumentType.DEMOLITION_DECISION)
    original = compact(pdf_text(render_pdf(document)))
    with caplog.at_level(logging.WARNING):
        copy = compact(pdf_text(render_pdf(document, masked_copy=True)))
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))], caplog.text
    assert "11010519491231002X" in original and "副本" not in original
    assert "11010519491231002X" not in copy and "110105********002X" in copy
    assert "副本：当事人证件号码已作遮蔽处理" in copy
