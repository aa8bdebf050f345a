"""Photos are re-encoded without metadata (GPS only on request); files are served only to
people who may read the case."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from casework.models import User
from casework.services.attachments import attachment_add

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (23.0, 8.0, 30.5),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (113.0, 1.0, 2.0)}


def phone_photo(format="JPEG", orientation=6) -> bytes:
    """A 40×20 photo as a phone writes it: camera make and model, owner, time, orientation
    'rotate 90°', GPS position, an XMP packet and a comment."""
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 20, 20))  # left half red
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Huawei"
    exif[ExifTags.Base.Model] = "P60 Pro"
    exif[ExifTags.Base.Artist] = "Zhang Wei 13800138000"
    exif[ExifTags.Base.DateTime] = "2026:11:20 09:30:00"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    buffer = io.BytesIO()
    extra = {"comment": b"owner: Zhang Wei"} if format == "JPEG" else {}
    image.save(buffer, format, exif=exif, xmp=b"<x:xmpmeta>Zhang Wei</x:xmpmeta>", **extra)
    return buffer.getvalue()


def stored_image(attachment) -> Image.Image:
    with attachment.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def upload(data, name="IMG_0001.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_photo_metadata_is_stripped(case_in, cast):
    """Camera, owner, time, GPS, XMP and comments are gone from the stored photo."""
    original = phone_photo()
    assert b"Huawei" in original and b"Zhang Wei" in original
    attachment = attachment_add(case=case_in("reported"), actor=cast.officer, upload=upload(original))
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert b"Huawei" not in stored and b"Zhang Wei" not in stored and b"13800138000" not in stored
    image = stored_image(attachment)
    assert dict(image.getexif()) == {}
    assert "xmp" not in image.info and "comment" not in image.info


def test_orientation_is_applied_before_stripping(case_in, cast):
    """A photo marked 'rotate 90°' is stored upright: 20×40, the red half now on top."""
    attachment = attachment_add(case=case_in("reported"), actor=cast.officer, upload=upload(phone_photo()))
    image = stored_image(attachment).convert("RGB")
    assert image.size == (20, 40)
    red, green, blue = image.getpixel((10, 5))
    assert red > 200 and green < 60 and blue < 60
    red, green, blue = image.getpixel((10, 35))
    assert red > 200 and green > 200 and blue > 200


def test_keep_location_keeps_only_gps(case_in, cast):
    """When the officer keeps the location, the GPS block survives and nothing else does."""
    attachment = attachment_add(case=case_in("reported"), actor=cast.officer, upload=upload(phone_photo()),
                                keep_location=True)
    exif = stored_image(attachment).getexif()
    assert set(exif) == {ExifTags.IFD.GPSInfo}
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert tuple(float(v) for v in gps[ExifTags.GPS.GPSLatitude]) == (23.0, 8.0, 30.5)
    assert tuple(float(v) for v in gps[ExifTags.GPS.GPSLongitude]) == (113.0, 1.0, 2.0)
    with attachment.file.open("rb") as handle:
        assert b"Huawei" not in handle.read()


@pytest.mark.parametrize("format,content_type", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_stripped_too(case_in, cast, format, content_type):
    """PNG and WebP keep their format but lose their metadata."""
    attachment = attachment_add(case=case_in("reported"), actor=cast.officer,
                                upload=upload(phone_photo(format), name=f"x.{format.lower()}"))
    assert attachment.content_type == content_type
    image = stored_image(attachment)
    assert image.format == format
    assert dict(image.getexif()) == {}
    assert image.size == (20, 40)


def test_fingerprint_and_size_describe_the_stored_file(case_in, cast):
    """sha256 and size are those of the re-encoded file actually stored."""
    import hashlib

    attachment = attachment_add(case=case_in("reported"), actor=cast.officer, upload=upload(phone_photo()))
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)


def test_truncated_photo_is_refused(case_in, cast):
    """A JPEG cut off in the middle is refused with a message, not a crash."""
    from casework.errors import InvalidInput

    data = phone_photo()
    with pytest.raises(InvalidInput):
        attachment_add(case=case_in("reported"), actor=cast.officer, upload=upload(data[: len(data) // 2]))


def test_pdf_scan_is_stored_unchanged(case_in, cast):
    """Scans (PDF) are not images and are kept byte for byte."""
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachment = attachment_add(case=case_in("reported"), actor=cast.officer,
                                upload=SimpleUploadedFile("scan.pdf", data, content_type="application/pdf"))
    with attachment.file.open("rb") as handle:
        assert handle.read() == data


# --- Serving -------------------------------------------------------------------------------


@pytest.fixture
def photo(case_in, cast):
    return attachment_add(case=case_in("reported"), actor=cast.officer, upload=upload(phone_photo()))


def test_same_squad_reads_the_photo(client, photo, cast):
    """A member of the case's squad gets the file inline, with its type, a safe name and nosniff."""
    client.force_login(cast.officer2)
    response = client.get(f"/attachments/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f"-photo-{photo.pk}.jpg" in disposition
    assert "/" not in disposition.split("filename", 1)[1]
    # The recorded fingerprint describes the stored file (test above); a second read of it would
    # share the response's file object under InMemoryStorage (TEST_MEDIA_STORAGE=memory).
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == photo.sha256


def test_download_parameter_forces_save(client, photo, cast):
    """?download=1 asks the browser to save the file."""
    client.force_login(cast.officer)
    response = client.get(f"/attachments/{photo.pk}/?download=1")
    assert response["Content-Disposition"].startswith("attachment;")


def test_office_wide_roles_read_every_squad(client, photo, cast):
    """The legal reviewer and the head of office read attachments of any squad."""
    for user in (cast.reviewer, cast.head):
        client.force_login(user)
        assert client.get(f"/attachments/{photo.pk}/").status_code == 200


def test_other_squad_gets_404(client, photo, other_officer):
    """An officer of another squad gets 404, as if the file did not exist."""
    client.force_login(other_officer)
    assert client.get(f"/attachments/{photo.pk}/").status_code == 404


def test_user_without_squad_or_office_role_gets_404(client, photo, db):
    """A user with no squad and no office-wide role reads nothing."""
    client.force_login(User.objects.create_user(username="loner", password="x", full_name="x"))
    assert client.get(f"/attachments/{photo.pk}/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, photo):
    """Without signing in, the request is redirected to the sign-in page."""
    response = client.get(f"/attachments/{photo.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unknown_attachment_is_404(client, cast, db):
    """A number that is no attachment gives 404."""
    client.force_login(cast.head)
    assert client.get("/attachments/999999/").status_code == 404


def test_media_files_are_not_served_directly(client, photo):
    """The stored file is not reachable under MEDIA_URL without the permission check."""
    assert client.get("/media/" + photo.file.name).status_code == 404
