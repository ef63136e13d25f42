"""A council's export: one CSV per kind (UTF-8 with a BOM, Japanese headers), the files, a README.

Kinds are registered (`register_export_kind`), so a domain adds its own without editing this module.
A kind marked personal (a child's case data) is written only encrypted with BACKUP_KEY, else left out.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO

from ..agencies.models import Council
from ..core.spreadsheet import csv_escape
from ..core.time import now, to_tokyo
from . import crypto


@dataclass(frozen=True)
class ExportKind:
    #: the CSV's name in the ZIP, e.g. "followups.csv"
    filename: str
    #: what it holds, in the users' words, e.g. "対応事項"
    title: str
    #: the council's rows, each a sequence of values in the columns' order
    rows: Callable[[Council], Iterable[Sequence]]
    #: (Japanese header, what the column means) for the CSV's first row and the README
    columns: tuple[tuple[str, str], ...]
    #: the council's files: (path in the ZIP, file on disk)
    files: Callable[[Council], Iterable[tuple[str, Path]]] | None = None
    #: a child's personal data: only in the ZIP encrypted with BACKUP_KEY
    personal: bool = False


#: the kinds in the ZIP's and the README's order
KINDS: list[ExportKind] = []


def register_export_kind(kind: ExportKind) -> None:
    """Add a kind (or replace the one with the same file name)."""
    for index, known in enumerate(KINDS):
        if known.filename == kind.filename:
            KINDS[index] = kind
            return
    KINDS.append(kind)


@dataclass
class ExportSummary:
    written: list[str] = field(default_factory=list)
    left_out: list[ExportKind] = field(default_factory=list)
    files: int = 0


def write_council_export(council: Council, stream: IO[bytes]) -> ExportSummary:
    """The whole ZIP into `stream`; files are copied from disk, never held in memory together."""
    identity = crypto.configured_identity() if any(kind.personal for kind in KINDS) else None
    summary = ExportSummary()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind in KINDS:
            if kind.personal and identity is None:
                summary.left_out.append(kind)
                continue
            data = to_csv(kind, council)
            name = kind.filename
            if kind.personal:
                data, name = crypto.encrypt_bytes(data, identity), f"{name}.age"
            archive.writestr(name, data)
            summary.written.append(name)
            for arcname, path in kind.files(council) if kind.files else ():
                if kind.personal:
                    archive.writestr(f"{arcname}.age", crypto.encrypt_bytes(path.read_bytes(), identity))
                else:
                    archive.write(path, arcname)
                summary.files += 1
        archive.writestr("README.txt", readme(council, summary))
    return summary


def to_csv(kind: ExportKind, council: Council) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for header, _meaning in kind.columns])
    for row in kind.rows(council):
        writer.writerow([csv_escape(cell_text(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def cell_text(value) -> str:
    """Dates as 2018-02-28, times as 2018-02-28 14:00 in Japan, yes/no in Japanese, labels of choices."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime):
        return f"{to_tokyo(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "label"):
        return value.label
    if isinstance(value, list | tuple):
        return "、".join(cell_text(item) for item in value)
    return str(value)


def readme(council: Council, summary: ExportSummary) -> str:
    lines = [
        f"{council.name} のデータ（書き出し {to_tokyo(now()):%Y-%m-%d %H:%M}）",
        "",
        "連絡会議が登録したデータを、種類ごとに1つの CSV ファイルにしています。",
        "文字コードは UTF-8（BOM 付き）で、Excel でそのまま開けます。日時は日本時間です。",
        "「=」「+」「-」「@」で始まる文字には、表計算ソフトが数式として実行しないよう先頭に「'」を付けています。",
        "ID の列で、ファイルどうしを結び付けられます（例: 対応事項の「担当機関ID」は関係機関の「ID」）。",
        "",
    ]
    for kind in KINDS:
        if kind in summary.left_out:
            continue
        name = f"{kind.filename}.age" if kind.personal else kind.filename
        lines.append(f"■ {name}（{kind.title}）")
        if kind.personal:
            lines.append("  個人情報を含むため BACKUP_KEY で暗号化しています（age 形式）。")
            lines.append(f"  戻し方: age -d -i 鍵のファイル {name} > {kind.filename}")
        lines += [f"  ・{header}" + (f": {meaning}" if meaning else "") for header, meaning in kind.columns]
        lines.append("")
    for kind in summary.left_out:
        lines.append(
            f"■ {kind.title}は含めていません: 個人情報のため、BACKUP_KEY（暗号化の鍵）が設定されている"
            "ときだけ暗号化して書き出します。"
        )
    return "\ufeff" + "\r\n".join(lines) + "\r\n"  # Windows' Notepad reads it as UTF-8
