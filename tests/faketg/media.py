"""Files the fake "stores": uploads, generated user media, file ids and download paths."""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass
from typing import Any

from .errors import TelegramError, bad_request
from .spec import Upload

PHOTO_MAX_BYTES = 10 * 1024 * 1024
FILE_MAX_BYTES = 50 * 1024 * 1024
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024

# A valid 1x1 PNG, used for photos the fake has to invent (user photos, URL photos).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # photo, document, voice, audio, video, animation, sticker, video_note
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    group: str = ""  # photo sizes of one upload share a group

    def file_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WEBP, None if the bytes are not an image we know."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"GIF8") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512  # size decoding omitted: any WEBP counts as 512x512
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


class FileStore:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
    ) -> StoredFile:
        self._counter += 1
        n = self._counter
        ext = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else "bin"
        if kind == "photo":
            ext = "jpg"
        record = StoredFile(
            # Shaped like real ids (opaque, url-safe, long) so code that stores them is exercised.
            file_id=f"AgAC{kind[:3].upper()}{n:08d}fake-file-id-{n * 7919:x}",
            file_unique_id=f"AQAD{n:06d}x",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{n}.{ext}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            duration=duration,
        )
        self.files[record.file_id] = record
        self.by_path[record.file_path] = record
        return record

    def get(self, file_id: str) -> StoredFile:
        record = self.files.get(file_id)
        if record is None:
            raise bad_request("invalid file_id")
        return record

    def resolve(
        self, kind: str, value: Upload | str, *, duration: int | None = None
    ) -> list[StoredFile]:
        """The file(s) a send* parameter refers to: a new upload, a known file_id or a URL.

        Photos resolve to several sizes (small thumbnail first), other kinds to one file.
        """
        if isinstance(value, Upload):
            return self._from_upload(kind, value, duration)
        if value.startswith(("http://", "https://")):
            # The fake cannot fetch URLs; it pretends the download worked.
            return self._from_upload(kind, Upload(value.rsplit("/", 1)[-1], TINY_PNG), duration)
        record = self.files.get(value)
        if record is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if record.kind != kind:
            raise bad_request(f"can't use file of type {record.kind.title()} as {kind.title()}")
        if kind == "photo":
            return [f for f in self.files.values() if f.group == record.group]
        return [record]

    def _from_upload(self, kind: str, upload: Upload, duration: int | None) -> list[StoredFile]:
        data = upload.data
        if not data:
            raise bad_request("file must be non-empty")
        limit = PHOTO_MAX_BYTES if kind == "photo" else FILE_MAX_BYTES
        if len(data) > limit:
            raise TelegramError(413, "Request Entity Too Large", violation=True)
        mime = mimetypes.guess_type(upload.filename)[0]
        if kind == "photo":
            size = image_size(data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            small_scale = min(1.0, 90 / max(width, height, 1))
            small = (max(1, round(width * small_scale)), max(1, round(height * small_scale)))
            sizes = [
                self.add("photo", data, width=small[0], height=small[1], mime_type="image/jpeg"),
                self.add("photo", data, width=width, height=height, mime_type="image/jpeg"),
            ]
            for record in sizes:
                record.group = sizes[0].file_id
            return sizes
        width, height = image_size(data) or (0, 0)
        return [
            self.add(
                kind,
                data,
                file_name=upload.filename,
                mime_type=mime,
                width=width,
                height=height,
                duration=duration or 1,
            )
        ]


def media_api(kind: str, files: list[StoredFile]) -> Any:
    """The Message field value for the media (e.g. the PhotoSize list for "photo")."""
    if kind == "photo":
        return [
            {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "width": f.width,
                "height": f.height,
                "file_size": len(f.data),
            }
            for f in files
        ]
    f = files[0]
    base: dict[str, Any] = {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "file_size": len(f.data),
    }
    if kind in ("document", "audio", "video", "animation") and f.file_name:
        base["file_name"] = f.file_name
    if kind in ("document", "voice", "audio", "video", "animation") and f.mime_type:
        base["mime_type"] = f.mime_type
    if kind in ("voice", "audio", "video", "animation", "video_note"):
        base["duration"] = f.duration or 1
    if kind in ("video", "animation"):
        base["width"], base["height"] = f.width or 640, f.height or 360
    if kind == "video_note":
        base["length"] = f.width or 240
    if kind == "sticker":
        base.update(
            type="regular",
            width=f.width or 512,
            height=f.height or 512,
            is_animated=False,
            is_video=False,
        )
    return base
