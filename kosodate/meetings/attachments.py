"""Meeting attachments (別紙): the type read from the content, stored under the instance folder."""

import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from ..auth.models import User
from ..core import audit
from ..core.text import is_safe_file_name
from ..extensions import db
from .models import Attachment, Meeting

MAX_BYTES = 20 * 1024 * 1024

#: extension → the MIME type its content must show
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of the older Office files
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


class AttachmentRefused(Exception):
    """The file is not one we keep; the message is for the user."""


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def content_matches(extension: str, path: Path) -> bool:
    """Does the file's content show the type its extension claims?"""
    with path.open("rb") as stream:
        head = stream.read(16)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if extension in ("doc", "xls", "ppt"):
        return head.startswith(OLE2)
    if extension in OOXML_PARTS:
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith(OOXML_PARTS[extension]) for n in names)
    return False


@dataclass(frozen=True)
class StoredUpload:
    filename: str
    stored_name: str
    content_type: str
    size: int


def store_upload(upload: FileStorage) -> StoredUpload:
    """Check and store an upload (meetings' and cases' files); nothing is kept when it is refused."""
    filename = Path(upload.filename or "").name.strip()
    if not is_safe_file_name(filename) or len(filename) > 255:
        raise AttachmentRefused(
            "ファイル名に使えない文字が含まれているか、長すぎます（255文字まで）。名前を変えてから添付してください。"
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ALLOWED:
        raise AttachmentRefused(
            "添付できるのは PDF、Word、Excel、PowerPoint、画像（PNG・JPEG・GIF）のファイルです。"
        )
    stored_name = secrets.token_hex(16)
    path = storage_dir() / stored_name
    try:
        upload.save(path)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise AttachmentRefused("ファイルが大きすぎます。1ファイル20MBまでです。")
        if size == 0:
            raise AttachmentRefused("ファイルが空です。")
        if not content_matches(extension, path):
            raise AttachmentRefused(
                f"ファイルの中身が「.{extension}」の形式ではありません。元のファイルを確認してください。"
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredUpload(filename[:255], stored_name, ALLOWED[extension], size)


def save_attachment(actor: User, meeting: Meeting, upload: FileStorage) -> Attachment:
    """Check and store an upload; nothing is kept when it is refused."""
    stored = store_upload(upload)
    attachment = Attachment(
        meeting=meeting,
        filename=stored.filename,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    audit.record(
        "meeting.attach", actor=actor, obj=meeting, changes={"attachment": [None, attachment.filename]}
    )
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return storage_dir() / attachment.stored_name


def discard_file(attachment: Attachment) -> None:
    """The stored file of an attachment whose row was not saved."""
    attachment_path(attachment).unlink(missing_ok=True)
