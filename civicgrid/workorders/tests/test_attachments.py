"""Photos: images only (by content), at most 10 MB and 9, EXIF (GPS included) stripped."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.workorders import attachments
from civicgrid.workorders.intake import submit_appeal
from civicgrid.workorders.models import Attachment
from civicgrid.workorders.testing import make_world

pytestmark = pytest.mark.django_db


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (36.0, 3.0, 30.0), 3: "E", 4: (120.0, 18.0, 5.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_gps_exif_is_gone_from_the_stored_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world()
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo does carry GPS
    result = submit_appeal(channel="patrol", actor=w.users["grid"], title="井盖", text="井盖缺失",
                           lon=120.305, lat=36.055, photos=[SimpleUploadedFile("IMG_0001.jpg", original)])
    stored = result.order.attachments.get()
    with stored.file.open("rb") as fh:
        data = fh.read()
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert b"Exif" not in data and b"PhoneMaker" not in data
    assert (stored.content_type, stored.width, stored.height, stored.size) == ("image/jpeg", 64, 48, len(data))
    assert not stored.file.name.endswith("IMG_0001.jpg")


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(fmt, content_type):
    out = io.BytesIO()
    Image.new("RGB", (8, 6)).save(out, fmt)
    photo = attachments.prepare_photo(("x.bin", out.getvalue()))
    assert (photo.content_type, photo.width, photo.height) == (content_type, 8, 6)


def test_refusals():
    with translation.override("en"):  # the English messages (each test starts in Chinese)
        _refusals()


def _refusals():
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(ValidationError) as info:
        attachments.prepare_photos([("a.jpg", b"<html>not a photo</html>"), ("b.gif", gif.getvalue())])
    assert info.value.message_dict["photos"] == [
        "photo 1 (a.jpg) is not a JPEG, PNG or WebP image.", "photo 2 (b.gif) is not a JPEG, PNG or WebP image."]
    big = SimpleUploadedFile("big.jpg", b"\xff" * (attachments.MAX_BYTES + 1))
    with pytest.raises(ValidationError) as info:
        attachments.prepare_photos([big])
    assert info.value.message_dict["photos"] == ["photo 1 (big.jpg) is larger than 10 MB."]
    with pytest.raises(ValidationError) as info:
        attachments.prepare_photos([b"x"] * 10)
    assert info.value.message_dict["photos"] == ["At most 9 photos per appeal."]


def test_a_bad_photo_refuses_the_whole_appeal(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world()
    with pytest.raises(ValidationError):
        submit_appeal(channel="patrol", actor=w.users["grid"], title="井盖", text="井盖缺失", lon=120.305, lat=36.055,
                      photos=[jpeg_with_gps(), b"junk"])
    assert Attachment.objects.count() == 0
    assert list(tmp_path.iterdir()) == []
