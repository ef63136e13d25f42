"""/admin/backups (admins) and /admin/councils/<id>/export (admins and the council's secretariat)."""

import tempfile

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..agencies.models import Council
from ..core import audit
from ..core.access import get_for, permission_required, visible
from ..core.installation import backup_dir
from ..core.time import now, to_tokyo
from ..extensions import db
from . import crypto, export_kinds  # noqa: F401  (export_kinds registers the council's kinds)
from .access import BackupArchive
from .archive import NAME, ArchiveRefused
from .council_export import write_council_export
from .services import backup_status, create_backup, record_failure
from .snapshot import SnapshotError

bp = Blueprint("backups", __name__)


@bp.get("/admin/backups")
@permission_required("administer", BackupArchive)
def index():
    status = backup_status()
    return render_template(
        "backups/index.html", status=status, warning=status.warning(now()), now=now(), form=FlaskForm(),
        directory=backup_dir(), encrypted=bool(current_app.config["BACKUP_KEY"]),
        councils=db.session.scalars(visible(current_user, Council).order_by(Council.id)).all(),
    )  # fmt: skip


@bp.post("/admin/backups")
@permission_required("administer", BackupArchive)
def create():
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        result = create_backup()
        db.session.commit()
    except (SnapshotError, ArchiveRefused, crypto.KeyProblem, OSError) as error:
        db.session.rollback()
        record_failure(error)
        db.session.commit()
        flash(f"バックアップを作れませんでした: {error}", "error")
    else:
        flash(f"バックアップ {result.path.name} を作りました。", "success")
    return redirect(url_for("backups.index"))


@bp.get("/admin/backups/<name>")
@permission_required("administer", BackupArchive)
def download(name: str):
    path = backup_dir() / name
    if not NAME.match(name) or not path.is_file():
        abort(404)
    audit.record("backup.download", actor=current_user, changes={"file": [None, name]})
    db.session.commit()
    return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=name)


@bp.get("/admin/councils/<id:council_id>/export")
def council_export(council_id: int):
    council = get_for(current_user, "export", Council, council_id)
    # on disk, not in memory: with its attachments an export may be hundreds of MB; send_file closes it
    stream = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_council_export(council, stream)
    except crypto.KeyProblem as problem:
        stream.close()
        flash(str(problem), "error")
        return redirect(url_for("agencies.list_agencies"))
    stream.seek(0)
    audit.record("council.export", actor=current_user, obj=council)
    db.session.commit()
    return send_file(
        stream, mimetype="application/zip", as_attachment=True,
        download_name=f"{council.name}_{to_tokyo(now()):%Y%m%d}.zip",
    )  # fmt: skip
