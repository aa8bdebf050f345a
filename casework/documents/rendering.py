"""HTML + CSS → PDF with WeasyPrint. Rendering reads only the document's stored snapshot,
number and verification code, so the same document always gives the same bytes."""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from casework.documents.content import LEGAL_BASIS, cn_date, deadline_text
from casework.models import Document, ServiceMethod

logger = logging.getLogger(__name__)

BASE_URL = str(Path(settings.BASE_DIR) / "templates" / "documents")


@lru_cache(maxsize=1)
def _font_config():
    # One FontConfiguration per process: WeasyPrint caches the font files it has opened.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def verification_url(code: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("documents:verify", args=[code])


def qr_svg(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_inline(scale=2, border=0, omitsize=False)


def _issued_moment(data: dict) -> str:
    """The document's own issue moment, used as the PDF's creation and modification date."""
    occurred = (data.get("event") or {}).get("occurred_at")
    if occurred:
        return dt.datetime.fromisoformat(occurred).isoformat()
    return dt.datetime.combine(dt.date.fromisoformat(data["issued_on"]), dt.time(0, 0)).isoformat() + "+08:00"


def document_context(document: Document, *, masked_copy: bool = False) -> dict:
    """What the templates print. `masked_copy`: a copy for someone outside the case, with the
    party's ID number masked and a line saying it is a copy (casework.services.personal_data)."""
    data = document.data
    event_data = (data.get("event") or {}).get("data") or {}
    party = data.get("party") or {}
    service = (data.get("extra") or {}).get("service")
    url = verification_url(document.verification_code)
    return {
        "d": data,
        "number": document.number,
        "title": data["title"],
        "case": data["case"],
        "party": party,
        "party_id_label": "统一社会信用代码" if party.get("kind") == "organisation" else "身份证号码",
        # Documents issued since the personal-data rule print the full number; older snapshots
        # and approval forms hold only the masked one.
        "party_identifier": party.get("identifier_masked") if masked_copy else
        (party.get("identifier") or party.get("identifier_masked")),
        "masked_copy": masked_copy,
        "officers": data.get("officers") or [],
        "agency": data["agency"],
        "ev": event_data,
        "extra": data.get("extra") or {},
        "service": service,
        "service_method": str(ServiceMethod(service["method"]).label) if service else "",
        "remedies": data.get("remedies"),
        "chain": data.get("approval_chain") or [],
        "basis": LEGAL_BASIS.get(data["document_type"], ()),
        "deadline": deadline_text(data),
        "issued_on": cn_date(data["issued_on"]),
        "occurred_at": cn_date((data.get("event") or {}).get("occurred_at")),
        "created": _issued_moment(data),
        "verification_code": document.verification_code,
        "verification_url": url,
        "qr": qr_svg(url),
        "cn_date": cn_date,
        "title_font_url": _title_font_url(),
    }


def _title_font_url() -> str:
    from casework.documents.fonts import title_font_path

    path = title_font_path()
    return path.as_uri() if path else ""


def render_html(document: Document, *, masked_copy: bool = False) -> str:
    return render_to_string(f"documents/types/{document.document_type}.html",
                            document_context(document, masked_copy=masked_copy))


def render_pdf(document: Document, *, masked_copy: bool = False) -> bytes:
    """The PDF of `document`: the same bytes for the same stored data."""
    from weasyprint import HTML

    html = render_html(document, masked_copy=masked_copy)
    return HTML(string=html, base_url=BASE_URL).write_pdf(font_config=_font_config())
