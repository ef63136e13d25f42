"""Uploaded files before any parser sees them: Office files (zip archives of XML) checked for zip
bombs, huge sheets and DTDs; files left behind removed after a while."""

import re
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import Path

MB = 1024 * 1024


class UploadRefused(Exception):
    """The file is not one we read; the message is for the user."""


@dataclass(frozen=True)
class ZipLimits:
    #: files inside the archive (Excel writes about ten for a workbook of one sheet)
    entries: int = 200
    #: bytes of all files unpacked, as the archive's directory declares them; reading a file stops at
    #: its declared size (zipfile checks the CRC), so the declaration is binding
    unpacked: int = 20 * MB
    #: unpacked / packed, for files of more than a megabyte: XML packs about 10:1
    ratio: int = 100
    #: cells (<c> elements) in all parts: openpyxl holds about 0.5 KB of memory per cell
    cells: int = 50_000


UNREADABLE = "Excel ファイル（.xlsx）として読めません。Excel で開いて保存し直したファイルをお使いください。"
#: a cell element of a worksheet, with or without a namespace prefix (<c r="A1">, <x:c …/>)
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?c[\s/>]")
_LONGEST_TAG = 40
#: the starts of XML in UTF-16 or UTF-32, with or without a byte order mark
_OTHER_ENCODINGS = (b"\xfe\xff", b"\xff\xfe", b"\x00<", b"\x00\x00\xfe\xff", b"\x00\x00\x00<")
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
DTD_REFUSED = (
    "ファイルに DTD（文書型定義）が含まれています。Excel が書くファイルには無いもので、"
    "外部のファイルを読ませる攻撃に使われるため、読み込みません。"
)
NOT_UTF8 = "ファイルの中の XML が UTF-8 ではありません。Excel で開いて保存し直したファイルをお使いください。"
_CHUNK = 256 * 1024


def check_office_file(data: bytes, limits: ZipLimits | None = None) -> None:
    """Raise UploadRefused unless the archive is small enough unpacked, has no DTD (no entities,
    internal or external) and not too many cells. Reads the XML in chunks: the memory used stays
    at a few hundred kilobytes whatever the archive claims."""
    limits = limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(UNREADABLE) from None
    if len(infos) > limits.entries:
        raise UploadRefused(f"ファイルの中身が多すぎます（{len(infos):,}個。{limits.entries}個まで）。")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked:
        raise UploadRefused(
            f"展開すると大きすぎるファイルです（{unpacked / MB:,.0f}MB。{limits.unpacked // MB}MBまで）。"
        )
    for info in infos:
        if info.file_size > MB and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise UploadRefused("圧縮率が異常に高いファイルです（圧縮爆弾の疑い）。読み込みません。")
    cells = 0
    for info in infos:  # every part: openpyxl reads a part by its content type, whatever its name
        cells += _scan(archive, info)
        if cells > limits.cells:
            raise UploadRefused(f"セルが多すぎます（{limits.cells:,}個まで）。シートを分けてください。")


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The cells of an XML part (0 for other parts); UploadRefused on a DTD, on XML that is not
    UTF-8 (the byte patterns below would not see its tags) or on a damaged archive."""
    cells, carry, first = 0, b"", True
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                if first:
                    if not _is_utf8_xml(chunk):
                        return 0
                    first = False
                buffer = carry + chunk
                if b"<!DOCTYPE" in buffer or b"<!ENTITY" in buffer:
                    raise UploadRefused(DTD_REFUSED)
                # a tag that may go on in the next chunk is counted there: each tag once
                end = len(buffer) - _LONGEST_TAG
                cells += sum(1 for match in _CELL.finditer(buffer) if match.start() < end)
                carry = buffer[max(end, 0) :]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        raise UploadRefused(UNREADABLE) from None  # a bad CRC, encryption, an unknown compression
    return cells + sum(1 for _match in _CELL.finditer(carry))


def _is_utf8_xml(head: bytes) -> bool:
    """True for XML in UTF-8; False for a part that is not XML (an image); UploadRefused for XML in
    another encoding. Excel writes UTF-8 only."""
    if head.startswith(_OTHER_ENCODINGS):
        raise UploadRefused(NOT_UTF8)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"<"):
        return False
    declared = _DECLARED_ENCODING.match(text)
    if b"\x00" in head or (declared and declared.group(1).lower() not in (b"utf-8", b"utf8")):
        raise UploadRefused(NOT_UTF8)
    return True


def sweep(folder: Path, older_than: timedelta) -> int:
    """Remove the files in the folder last changed longer ago than `older_than`; how many."""
    if not folder.is_dir():
        return 0
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
