"""Photos: checked, re-encoded without their metadata, stored, and recorded as an event —
with the intake (``case_accept(attachments=…)``) or later (``case_attach``)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from jishi.cases.models import Attachment, Case
from jishi.cases.services.engine import (
    Acting,
    Actor,
    _after_commit,
    _insert,
    _record,
    _transition,
    _update,
)
from jishi.cases.workflow import TRANSITIONS
from jishi.common.errors import InvalidInput


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name, and its bytes or the uploaded file itself (Django
    streams a large upload to a temporary file; it is read from there, never whole)."""

    name: str
    content: bytes | IO[bytes]

    @property
    def size(self) -> int:
        if isinstance(self.content, bytes):
            return len(self.content)
        size = getattr(self.content, "size", None)
        if size is None:
            self.content.seek(0, os.SEEK_END)
            size = self.content.tell()
        return int(size)

    @classmethod
    def of(cls, uploaded: UploadedFile) -> Upload:
        """A file from a form, read from where Django put it (memory or a temporary file)."""
        return cls(uploaded.name or "", cast(IO[bytes], uploaded))

    def open(self) -> IO[bytes]:
        if isinstance(self.content, bytes):
            return BytesIO(self.content)
        self.content.seek(0)
        return self.content


@dataclass(frozen=True)
class StoredImage:
    """What is kept of an accepted photo: a bounded, re-encoded copy without metadata."""

    data: bytes
    format: str
    width: int
    height: int


def _attachment_error(summary: str, message: str) -> InvalidInput:
    return InvalidInput(summary, errors={"attachments": [message]})


def check_image(upload: Upload) -> StoredImage:
    """Checks a photo and makes the copy that is stored (the original is not kept). Every
    photo jishi keeps of a case's evidence goes through here (the inspections' findings too).

    The copy is at most ``JISHI_ATTACHMENT_MAX_SIDE`` pixels on its long side, turned the
    way the camera meant it, and re-encoded (PNG for PNG and GIF, else JPEG), which
    drops EXIF metadata such as the GPS position. A file declaring more than
    ``JISHI_ATTACHMENT_MAX_PIXELS`` is refused before a pixel is decoded: a PNG of a few KB
    can declare billions (a decompression bomb).
    """
    limit = settings.JISHI_ATTACHMENT_MAX_BYTES
    size = upload.size
    if not size:
        raise _attachment_error("附件为空", f"「{upload.name}」是空文件")
    if size > limit:
        raise _attachment_error(
            "附件过大",
            f"「{upload.name}」有 {size / 1048576:.1f} MB，超过 {limit // 1048576} MB 的上限",
        )
    max_pixels = settings.JISHI_ATTACHMENT_MAX_PIXELS
    too_many_pixels = _attachment_error(
        "图片像素过大",
        f"「{upload.name}」的像素过多（上限 {max_pixels // 1_000_000} 百万像素），"
        "请缩小图片后重新上传",
    )
    try:
        with Image.open(upload.open()) as image:
            fmt, (width, height) = image.format, image.size
            if fmt not in settings.JISHI_ATTACHMENT_FORMATS:
                raise _attachment_error(
                    "图片格式不支持",
                    f"「{upload.name}」是 {fmt} 格式，仅支持 JPEG、PNG、WEBP、GIF",
                )
            if width * height > max_pixels:
                raise too_many_pixels
            return _bounded_copy(image)
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _attachment_error("附件不是图片", f"「{upload.name}」不是可识别的图片文件") from None


def _bounded_copy(image: Image.Image) -> StoredImage:
    side = settings.JISHI_ATTACHMENT_MAX_SIDE
    # A JPEG decodes straight at a reduced scale (cheap); other formats decode whole.
    # Screenshots and drawings (PNG, GIF) stay lossless; photos become JPEG.
    lossless = image.format in ("PNG", "GIF")
    image.draft("RGB", (side, side))
    image = ImageOps.exif_transpose(image)
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = BytesIO()
    fmt = "PNG" if lossless or transparent else "JPEG"
    if fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="JPEG", quality=85, optimize=True)
    return StoredImage(out.getvalue(), fmt, *image.size)


def _stored_name(name: str, fmt: str) -> str:
    stem = os.path.splitext(os.path.basename(name))[0][:100] or "photo"
    return f"{stem}.{'png' if fmt == 'PNG' else 'jpg'}"


def _store_uploads(
    case: Case, uploads: Sequence[tuple[Upload, StoredImage]], at: datetime, seq: int
) -> list[dict[str, Any]]:
    stored = []
    for upload, image in uploads:
        digest = hashlib.sha256(image.data).hexdigest()
        if Attachment.objects.filter(case=case, sha256=digest).exists():
            continue
        attachment = Attachment(
            case=case,
            original_name=upload.name[:200],
            content_type=f"image/{image.format.lower()}",
            size=len(image.data),
            sha256=digest,
            width=image.width,
            height=image.height,
            event_seq=seq,
            uploaded_at=at,
        )
        attachment.file.save(
            _stored_name(upload.name, image.format), ContentFile(image.data), save=False
        )
        attachment.save()
        stored.append({"name": attachment.original_name, "sha256": digest, "size": attachment.size})
    return stored


def _attach(
    case: Case, acting: Acting, at: datetime, checked: Sequence[tuple[Upload, StoredImage]]
) -> None:
    transition = TRANSITIONS["attach"]
    seq = case.version + 1
    stored = _store_uploads(case, checked, at, seq)
    if not stored:
        return
    event = _record(case, transition, acting, at, {"files": stored}, from_state=case.state)
    _insert([event])
    _update(case, ["version", "last_hash", "state", "updated_at"])
    _after_commit(case, event)


def case_attach(
    *, actor: Actor, case: Case | int, files: Sequence[Upload], expected_version: int | None = None
) -> Case:
    if not files:
        raise InvalidInput("请选择文件", errors={"attachments": ["请选择要上传的图片"]})
    checked = []
    errors: list[str] = []
    for upload in files:
        try:
            checked.append((upload, check_image(upload)))
        except InvalidInput as exc:
            errors.extend(exc.errors["attachments"])
    if errors:
        raise InvalidInput("附件有误", errors={"attachments": errors})

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        stored = _store_uploads(case, checked, at, seq)
        if not stored:
            raise InvalidInput("附件已存在", errors={"attachments": ["这些图片已经上传过"]})
        return {"files": stored}

    return _transition(
        actor=actor, case=case, name="attach", expected_version=expected_version, apply=apply
    )
