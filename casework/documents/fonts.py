"""The heavy title face, cut down to the characters document titles use.

Every document title is one of DocumentType's fixed labels, so the title needs a few dozen
glyphs of Noto Serif CJK SC Bold. Embedding them from the full 27 MB collection costs ~90 ms
and ~90 KB per PDF (WeasyPrint keeps glyph ids, so the subset spans the whole font); a small
font with just those glyphs costs almost nothing. It is made once per machine from the
installed font and cached under DATA_DIR/fonts; the template falls back to the full font for
any character it lacks.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from casework.models import DocumentType

logger = logging.getLogger(__name__)

TITLE_FAMILY = "Noto Serif CJK SC"


def title_characters() -> str:
    return "".join(sorted(set("".join(str(label) for label in DocumentType.labels)) - {" "}))


def _installed_face(family: str, weight: int) -> tuple[Path, int] | None:
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n", f"{family}:weight={weight}"],
                             capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(out[0])
    return (path, int(out[1] or 0)) if path.exists() else None


class _NoTitleFace(Exception):
    pass


def title_font_path() -> Path | None:
    """A small OpenType font with the title glyphs, or None if the bold face is not found.

    Only a made font is remembered: a failed look-up (fc-match timing out on a busy machine)
    is tried again on the next document rather than leaving the process on the full font."""
    try:
        return _made_title_font()
    except _NoTitleFace:
        return None


@lru_cache(maxsize=1)
def _made_title_font() -> Path:
    face = _installed_face(TITLE_FAMILY, 200)  # fontconfig weight 200 = bold
    if face is None:
        raise _NoTitleFace
    source, index = face
    characters = title_characters()
    stat = source.stat()
    key = hashlib.sha256(f"{source}:{index}:{stat.st_size}:{stat.st_mtime_ns}:{characters}".encode()).hexdigest()[:16]
    target = Path(settings.DATA_DIR) / "fonts" / f"document-title-{key}.otf"
    if target.exists():
        return target
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(layout_features=["*"], name_IDs=["*"], name_languages=["*"], notdef_outline=True,
                             desubroutinize=True, hinting=False)
    font = TTFont(source, fontNumber=index, lazy=False, recalcTimestamp=False)  # same bytes on every machine
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{subprocess.os.getpid()}.tmp")
    font.save(partial)
    partial.replace(target)
    logger.info("Made the document title font %s (%d characters)", target, len(characters))
    return target


title_font_path.cache_clear = _made_title_font.cache_clear
