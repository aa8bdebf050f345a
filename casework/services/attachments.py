"""Photos, recordings and scans: checked by content (not by name), stored under random names."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from casework.authorization import refusal
from casework.errors import InvalidInput, NotAllowed
from casework.models import Case, CaseEvent, User
from casework.models.attachments import Attachment, AttachmentKind

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp"),
                 "HEIF": ("image/heif", ".heic"), "MPO": ("image/jpeg", ".jpg")}
# Audio is recognised by its leading bytes (magic numbers), whatever the browser claims.
AUDIO_SIGNATURES = ((b"ID3", "audio/mpeg", ".mp3"), (b"\xff\xfb", "audio/mpeg", ".mp3"),
                    (b"OggS", "audio/ogg", ".ogg"), (b"RIFF", "audio/wav", ".wav"), (b"\x1aE\xdf\xa3", "audio/webm", ".webm"))
PDF_SIGNATURE = b"%PDF-"
# Photos are re-encoded: HEIC and multi-picture JPEGs become plain JPEGs; PNG and WebP stay.
REENCODE_AS = {"image/jpeg": ("JPEG", "image/jpeg", ".jpg"), "image/heif": ("JPEG", "image/jpeg", ".jpg"),
               "image/png": ("PNG", "image/png", ".png"), "image/webp": ("WEBP", "image/webp", ".webp")}
JPEG_QUALITY = 90


def _sniff(data: bytes) -> tuple[str, str, str]:
    """(kind, content type, suffix) from the bytes themselves; refuse what is not supported."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            image_format = image.format
        if image_format in IMAGE_FORMATS:
            content_type, suffix = IMAGE_FORMATS[image_format]
            return AttachmentKind.PHOTO, content_type, suffix
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        pass
    for signature, content_type, suffix in AUDIO_SIGNATURES:
        if data.startswith(signature):
            if signature == b"RIFF" and data[8:12] != b"WAVE":
                continue
            return AttachmentKind.AUDIO, content_type, suffix
    if data[4:8] == b"ftyp" and data[8:12] in (b"M4A ", b"mp42", b"isom"):
        return AttachmentKind.AUDIO, "audio/mp4", ".m4a"
    if data.startswith(PDF_SIGNATURE):
        return AttachmentKind.SCAN, "application/pdf", ".pdf"
    raise InvalidInput(
        _("This file is not a supported photo (JPEG, PNG, WebP, HEIC), recording (MP3, M4A, OGG, WAV, WebM) or PDF scan."),
        fields={"file": [_("Unsupported file type.")]},
    )


def _reencode_photo(data: bytes, content_type: str, keep_location: bool) -> tuple[bytes, str, str]:
    """Re-encode a photo so that nothing but its pixels leaves the phone: the orientation is
    applied to the pixels, then EXIF (camera, owner, time, thumbnail), XMP, IPTC and comments
    are dropped. With keep_location the EXIF GPS block alone is carried over. The colour
    profile is kept so that the evidence looks as it was taken."""
    save_format, content_type, suffix = REENCODE_AS[content_type]
    with Image.open(io.BytesIO(data)) as original:
        gps = dict(original.getexif().get_ifd(ExifTags.IFD.GPSInfo)) if keep_location else {}
        icc_profile = original.info.get("icc_profile")
        image = ImageOps.exif_transpose(original)
        image.load()
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if save_format == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if gps:
        exif = Image.Exif()
        exif[ExifTags.IFD.GPSInfo] = gps
        options["exif"] = exif
    if save_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif save_format == "WEBP":
        options.update(quality=JPEG_QUALITY)
    output = io.BytesIO()
    clean.save(output, save_format, **options)
    return output.getvalue(), content_type, suffix


def attachment_check(
    *, upload, allowed_kinds: tuple[str, ...] = (AttachmentKind.PHOTO, AttachmentKind.AUDIO, AttachmentKind.SCAN),
) -> tuple[bytes, str, str, str]:
    """Read an upload and check its size and real type: (bytes, kind, content type, suffix).

    Services that accept several files call this for each before writing anything, so that one
    bad file refuses the whole submission without leaving the good ones stored.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            _("%(name)s is %(size).1f MB; files may be at most 20 MB.") % {"name": upload.name, "size": size / 1024 / 1024},
            fields={"file": [_("File larger than 20 MB.")]},
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(_("Files may be at most 20 MB."), fields={"file": [_("File larger than 20 MB.")]})
    if not data:
        raise InvalidInput(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    kind, content_type, suffix = _sniff(data)
    if kind not in allowed_kinds:
        raise InvalidInput(_("This kind of file is not accepted here."), fields={"file": [_("Unsupported file type.")]})
    return data, kind, content_type, suffix


def attachment_add(
    *, case: Case, actor: User, upload, event: CaseEvent | None = None, caption: str = "",
    allowed_kinds: tuple[str, ...] = (AttachmentKind.PHOTO, AttachmentKind.AUDIO, AttachmentKind.SCAN),
    keep_location: bool = False,
) -> Attachment:
    """Store one uploaded file for a case after checking its size and real type.

    Photos are re-encoded without their metadata; keep_location (the officer's choice)
    keeps the GPS position recorded by the camera and nothing else."""
    denied = refusal(actor, "upload_attachment", case=case)
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    data, kind, content_type, suffix = attachment_check(upload=upload, allowed_kinds=allowed_kinds)
    if kind == AttachmentKind.PHOTO:
        try:
            data, content_type, suffix = _reencode_photo(data, content_type, keep_location)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise InvalidInput(_("This photo could not be read."), fields={"file": [_("Damaged or unsupported photo.")]}) from error
    with transaction.atomic():
        attachment = Attachment(
            case=case, event=event, kind=kind, content_type=content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), caption=caption[:200], uploaded_by=actor,
        )
        attachment.file.save(f"upload{suffix}", ContentFile(data), save=False)
        attachment.save()
    return attachment
