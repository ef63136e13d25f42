"""The progress list's files for a council and fiscal year, the PDF and the Excel kept under the instance
folder (shared between nodes in production) and served again while nothing they print has changed.

The file's name holds a fingerprint of everything it prints — each column's plain values (a report's
texts and status, an initiative's content, categories, plan items and header, the agencies' names), the
資料番号 — and of the code and libraries that print it. So the cache cannot go stale: a change to a
report, an initiative, an agency's name, the document number, or an import that changes what the file
shows gives a new name; nothing has to remember to clear it. Making the fingerprint costs the list's
few queries; making a PDF costs seconds.
"""

import hashlib
import json
import os
import secrets
from dataclasses import astuple, dataclass
from importlib.metadata import version
from pathlib import Path

from flask import current_app

from . import columns as columns_module
from . import compiled, exports, layout, progress_xlsx
from .compiled import ListColumn, compiled_columns, document_number

WRITERS = {"xlsx": progress_xlsx.to_xlsx, "pdf": exports.to_pdf}
#: what draws the files: a change to any of them (a new release) makes new files
PRINTING_MODULES = (columns_module, compiled, exports, layout, progress_xlsx)
PRINTING_TEMPLATES = ("reports/progress_print.html", "reports/_progress_table.html", "_macros/text.html")
PRINTING_LIBRARIES = ("openpyxl", "weasyprint")


@dataclass(frozen=True)
class ProgressFile:
    content: bytes
    initiatives: int
    #: served from the cache, not drawn again
    cached: bool


def progress_file(council_id: int, fiscal_year: int, file_format: str) -> ProgressFile:
    """The list as xlsx, pdf (cached) or csv (cheap: drawn every time)."""
    columns = compiled_columns(council_id, fiscal_year)
    number = document_number(council_id, fiscal_year)
    if file_format == "csv":
        return ProgressFile(exports.to_csv(columns), len(columns), cached=False)
    folder = cache_folder()
    prefix = f"{council_id}-{fiscal_year}-"
    path = folder / f"{prefix}{fingerprint(columns, fiscal_year, number)}.{file_format}"
    try:
        return ProgressFile(path.read_bytes(), len(columns), cached=True)
    except FileNotFoundError:
        pass
    content = WRITERS[file_format](columns, fiscal_year, number)
    _store(path, content)
    for older in folder.glob(f"{prefix}*.{file_format}"):
        if older != path:
            older.unlink(missing_ok=True)  # another node may have removed it first
    return ProgressFile(content, len(columns), cached=False)


def cache_folder() -> Path:
    return Path(current_app.instance_path) / "exports" / "progress"


def fingerprint(columns: list[ListColumn], fiscal_year: int, number: str) -> str:
    printed = [fiscal_year, number, [astuple(column) for column in columns]]
    digest = hashlib.sha256(json.dumps(printed, ensure_ascii=False).encode())
    digest.update(_printing_code())
    return digest.hexdigest()[:40]


def _printing_code() -> bytes:
    """The source of what draws the files and the libraries' versions (cheap: a few small files)."""
    parts = [Path(module.__file__).read_bytes() for module in PRINTING_MODULES]
    loader = current_app.jinja_env.loader
    parts += [loader.get_source(current_app.jinja_env, name)[0].encode() for name in PRINTING_TEMPLATES]
    parts += [version(name).encode() for name in PRINTING_LIBRARIES]
    return b"\0".join(parts)


def _store(path: Path, content: bytes) -> None:
    """Written beside its final name and renamed: a reader on another node never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    partial.write_bytes(content)
    os.replace(partial, path)
