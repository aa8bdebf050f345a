import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.errors import InvalidInput, NotAllowed
from casework.services.attachments import MAX_ATTACHMENT_BYTES, attachment_add


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_photo_is_stored_under_a_random_name_with_its_real_type(case_in, cast):
    """A JPEG named like a PDF is recognised by its bytes and stored under a random name."""
    case = case_in("reported")
    upload = SimpleUploadedFile("张伟身份证.pdf", jpeg_bytes(), content_type="application/pdf")
    attachment = attachment_add(case=case, actor=cast.officer, upload=upload)
    assert attachment.kind == "photo"
    assert attachment.content_type == "image/jpeg"
    assert "张伟" not in attachment.file.name and attachment.file.name.endswith(".jpg")


def test_non_image_is_refused_with_a_message(case_in, cast):
    """A text file posing as a photo is refused, naming the accepted types."""
    case = case_in("reported")
    upload = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as error:
        attachment_add(case=case, actor=cast.officer, upload=upload)
    assert "JPEG" in error.value.message


def test_file_over_20_mb_is_refused(case_in, cast):
    """Anything larger than 20 MB is refused before it is read."""
    case = case_in("reported")
    upload = SimpleUploadedFile("big.jpg", jpeg_bytes(), content_type="image/jpeg")
    upload.size = MAX_ATTACHMENT_BYTES + 1
    with pytest.raises(InvalidInput) as error:
        attachment_add(case=case, actor=cast.officer, upload=upload)
    assert "20 MB" in error.value.message


def test_other_squad_cannot_attach(case_in, other_officer):
    """An officer of another squad cannot add files to the case."""
    case = case_in("reported")
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    with pytest.raises(NotAllowed):
        attachment_add(case=case, actor=other_officer, upload=upload)
