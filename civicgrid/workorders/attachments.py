"""Photos: images only, checked by decoding them (Pillow), never by the name or the declared type;
at most 10 MB each and 9 per appeal; re-encoded before storing, so no EXIF (GPS included) or any
other metadata a phone wrote ever reaches the disk.

``prepare_photos`` validates everything before anything is written (a refusal leaves no trace);
``store_photos`` writes the prepared images and their ``Attachment`` rows inside the caller's
transaction.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Attachment

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.content)


def _read(photo) -> tuple[str, bytes]:
    """(name, bytes) of an uploaded file, a (name, bytes) pair, raw bytes or an open file."""
    if isinstance(photo, (bytes, bytearray)):
        return "photo", bytes(photo)
    if isinstance(photo, tuple) and len(photo) == 2:
        return str(photo[0]), bytes(photo[1])
    name = getattr(photo, "name", "photo") or "photo"
    size = getattr(photo, "size", None)
    if size is not None and size > MAX_BYTES:
        return name, b""  # reported as too big below without reading it
    if hasattr(photo, "seek"):
        photo.seek(0)
    data = photo.read(MAX_BYTES + 1)
    return name, data if len(data) <= MAX_BYTES else b"\0" * (MAX_BYTES + 1)


def prepare_photo(photo, label: str = "") -> PreparedPhoto:
    name, data = _read(photo)
    size = getattr(photo, "size", None)
    label = label or name
    if (size is not None and size > MAX_BYTES) or len(data) > MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": label}, code="too_big")
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": label}, code="empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise ValidationError(_("%(name)s is not a JPEG, PNG or WebP image.") % {"name": label}, code="not_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": label}, code="too_big")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            # Turn the pixels the way the camera meant, since the orientation tag goes with the EXIF.
            image = ImageOps.exif_transpose(image)
            image.info = {}  # nothing of the original's metadata is carried into the new file
            out = io.BytesIO()
            if kind == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            elif kind == "PNG":
                image.save(out, "PNG", optimize=True)
            else:
                image.save(out, "WEBP", quality=88)
            width, height = image.size
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("%(name)s is not a JPEG, PNG or WebP image.") % {"name": label}, code="not_image") from None
    content_type, extension = FORMATS[kind]
    return PreparedPhoto(out.getvalue(), content_type, extension, width, height)


def prepare_photos(photos) -> list[PreparedPhoto]:
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(n)d photos per appeal.") % {"n": MAX_PHOTOS}]})
    problems, prepared = [], []
    for i, photo in enumerate(photos, start=1):
        label = _("photo %(n)d (%(name)s)") % {"n": i, "name": getattr(photo, "name", None) or (
            photo[0] if isinstance(photo, tuple) else "")}
        try:
            prepared.append(prepare_photo(photo, label))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError({"photos": problems})
    return prepared


def store_photos(*, order, appeal, photos: list[PreparedPhoto], actor, purpose: str = Attachment.Purpose.REPORT) -> list[Attachment]:
    stored = []
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    for photo in photos:
        attachment = Attachment(order=order, appeal=appeal, purpose=purpose, content_type=photo.content_type,
                                size=photo.size, width=photo.width, height=photo.height, uploaded_by=uploader)
        # A random name: the uploader's file name may carry personal data.
        attachment.file.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored
