"""The archive: one .tar.gz (then .age when encrypted) holding manifest.json first, the database
snapshot and the instance files; read back member by member, each checked against the manifest."""

import hashlib
import io
import json
import os
import re
import tarfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..core.time import TOKYO
from . import crypto

MANIFEST = "manifest.json"
FORMAT = "kosodate-backup"
FORMAT_VERSION = 1
NAME = re.compile(r"^kosodate-(\d{8}-\d{6})(?:-\d+)?\.tar\.gz(\.age)?$")
CHUNK = 1024 * 1024


class ArchiveRefused(Exception):
    """The archive cannot be used: damaged, cut short, altered, or not ours. For the user."""


@dataclass(frozen=True)
class ArchiveFile:
    path: Path
    created_at: datetime
    size: int
    encrypted: bool

    @property
    def name(self) -> str:
        return self.path.name


def file_digest(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def safe_member(name: str) -> bool:
    parts = name.split("/")
    return (
        len(parts) >= 2
        and parts[0] in ("database", "files")
        and all(part not in ("", ".", "..") and "\\" not in part and "\0" not in part for part in parts)
    )


def write_archive(
    out_dir: Path, work: Path, manifest: dict, members: list[tuple[str, Path]], identity, moment
) -> Path:
    """Write to a hidden partial file and rename at the end: a failed backup leaves no archive.

    When encrypting, the plain archive is made in `work` (beside the data it copies), so that no
    readable copy ever lands in the backup folder, however the process ends.
    """
    target = _free_name(out_dir, moment, encrypted=identity is not None)
    plain = (out_dir if identity is None else work) / f".{target.name}.tar.partial"
    try:
        with tarfile.open(plain, "w:gz", compresslevel=6) as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode(), moment)
            for arcname, path in members:
                info = tar.gettarinfo(str(path), arcname)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as stream:
                    tar.addfile(info, stream)
        if identity is None:
            _durable_rename(plain, target)
        else:
            encrypted = out_dir / f".{target.name}.partial"
            crypto.encrypt_file(plain, encrypted, identity)
            _durable_rename(encrypted, target)
    finally:
        plain.unlink(missing_ok=True)
        (out_dir / f".{target.name}.partial").unlink(missing_ok=True)
    return target


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, moment: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(moment.timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _free_name(out_dir: Path, moment: datetime, encrypted: bool) -> Path:
    stem = f"kosodate-{moment.astimezone(TOKYO):%Y%m%d-%H%M%S}"
    suffix = ".tar.gz.age" if encrypted else ".tar.gz"
    candidate, number = out_dir / f"{stem}{suffix}", 1
    while candidate.exists():
        number += 1
        candidate = out_dir / f"{stem}-{number}{suffix}"
    return candidate


def _durable_rename(source: Path, target: Path) -> None:
    with source.open("rb") as stream:
        os.fsync(stream.fileno())
    source.replace(target)
    target.chmod(0o600)


def list_archives(directory: Path) -> list[ArchiveFile]:
    """The archives of a folder, newest first, dated by their names (copying keeps them)."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = NAME.match(path.name)
        if match and path.is_file():
            created = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=TOKYO)
            found.append(
                ArchiveFile(path, created.astimezone(UTC), path.stat().st_size, bool(match.group(2)))
            )
    return sorted(found, key=lambda archive: (archive.created_at, archive.name), reverse=True)


def extract_verified(archive: Path, workdir: Path, identity) -> dict:
    """Decrypt when needed, unpack every member into workdir/members, check each against the
    manifest; returns the manifest. Nothing outside workdir is touched."""
    if not archive.is_file():
        raise ArchiveRefused(f"ファイルがありません: {archive}")
    plain = archive
    if crypto.is_encrypted(archive):
        plain = workdir / "archive.tar.gz"
        try:
            crypto.decrypt_file(archive, plain, identity)
        except ValueError as error:
            raise ArchiveRefused(_damaged(error)) from None
    try:
        with tarfile.open(plain, "r:gz") as tar:
            manifest = _read_manifest(tar)
            _extract_members(tar, manifest, workdir / "members")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveRefused(_damaged(error)) from None
    return manifest


def _damaged(error: Exception) -> str:
    return f"バックアップファイルが壊れているか、途中で切れています（{error}）。"


def _read_manifest(tar: tarfile.TarFile) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveRefused("kosodate のバックアップではありません（manifest.json がありません）。")
    try:
        manifest = json.loads(tar.extractfile(first).read())
    except ValueError:
        raise ArchiveRefused("バックアップの manifest.json が読めません。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused("kosodate のバックアップではありません。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveRefused(
            f"このバックアップの形式（版 {manifest.get('format_version')}）はこのアプリでは読めません。"
        )
    if not _complete(manifest):
        raise ArchiveRefused("バックアップの manifest.json が不完全です。")
    if not all(safe_member(name) for name in manifest["files"]):
        raise ArchiveRefused("バックアップに不正なファイル名があります。")
    return manifest


def _complete(manifest: dict) -> bool:
    shape = {"created_at": str, "database": dict, "row_counts": dict, "folders": list, "files": dict}
    if not all(isinstance(manifest.get(key), kind) for key, kind in shape.items()):
        return False
    database = manifest["database"]
    return {"dialect", "member", "alembic_revision"} <= set(database) and database["member"] in manifest[
        "files"
    ]


def _extract_members(tar: tarfile.TarFile, manifest: dict, root: Path) -> None:
    expected, seen = manifest["files"], set()
    while (member := tar.next()) is not None:  # iterating the TarFile would start again at the manifest
        name = member.name
        if name not in expected or name in seen or not member.isfile():
            raise ArchiveRefused(f"バックアップにマニフェストにないファイルがあります（{name}）。")
        seen.add(name)
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with tar.extractfile(member) as source, target.open("wb") as stream:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                stream.write(chunk)
        if {"size": size, "sha256": digest.hexdigest()} != expected[name]:
            raise ArchiveRefused(f"バックアップの中身がマニフェストのチェックサムと一致しません（{name}）。")
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveRefused(
            f"バックアップにあるはずのファイルがありません（{missing[0]} ほか {len(missing)} 件）。"
        )
