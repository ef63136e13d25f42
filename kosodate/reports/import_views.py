"""/reports/import: a compiled list from an Excel file or a CSV, previewed before anything is written."""

import secrets
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from ..agencies.models import Council
from ..core.access import get_for, permission_required, visible
from ..core.args import ID_MAX
from ..core.forms import AppForm, IdSelectField
from ..core.time import fiscal_year_of, today_tokyo
from ..extensions import db
from .imports import apply_import, plan_import, preview_dir, read_csv, read_xlsx, sweep_previews
from .models import ProgressReport

bp = Blueprint("report_imports", __name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
FISCAL_YEARS = NumberRange(2000, 2100, "年度は 2017 のように西暦で入力してください。")


class ImportForm(AppForm):
    council = IdSelectField("連絡会議", validators=[InputRequired("連絡会議を選んでください。")])
    fiscal_year = IntegerField(
        "年度（西暦の開始年）", validators=[InputRequired("年度を入力してください。"), FISCAL_YEARS]
    )
    file = FileField(
        "ファイル（.xlsx または .csv、10MBまで）", validators=[FileRequired("ファイルを選んでください。")]
    )


class ConfirmForm(AppForm):
    council = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(1, ID_MAX)])
    fiscal_year = IntegerField(widget=HiddenInput(), validators=[InputRequired(), FISCAL_YEARS])
    token = HiddenField(validators=[InputRequired()])


def _stored(token: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum():
        abort(400)
    matches = list(preview_dir().glob(f"{token}.*"))
    if not matches:
        abort(400, "取り込むファイルが見つかりません。もう一度アップロードしてください。")
    return matches[0]


def _plan(data: bytes, suffix: str, council: Council, fiscal_year: int):
    columns, problems = read_csv(data, council) if suffix == ".csv" else read_xlsx(data, council, fiscal_year)
    return plan_import(council, fiscal_year, columns, problems)


def _councils():
    return db.session.scalars(visible(current_user, Council).order_by(Council.id)).all()


@bp.route("/reports/import", methods=["GET", "POST"])
@permission_required("import", ProgressReport)
def upload():
    form = ImportForm()
    councils = _councils()
    form.council.choices = [(council.id, council.name) for council in councils]
    if request.method == "GET":
        form.council.data = current_user.council_id
        form.fiscal_year.data = fiscal_year_of(today_tokyo()) - 1
    if form.validate_on_submit():
        council = get_for(current_user, "run", Council, form.council.data)
        name = form.file.data.filename or ""
        suffix = (
            ".csv" if name.lower().endswith(".csv") else ".xlsx" if name.lower().endswith(".xlsx") else None
        )
        data = form.file.data.read(MAX_FILE_BYTES + 1)
        if suffix is None:
            form.file.errors.append("取り込めるのは .xlsx と .csv のファイルです。")
        elif len(data) > MAX_FILE_BYTES:
            form.file.errors.append("ファイルが大きすぎます（10MBまで）。")
        else:
            sweep_previews()
            plan = _plan(data, suffix, council, form.fiscal_year.data)
            confirm = None
            if not plan.problems:  # only a file that can be imported waits for its confirmation
                token = secrets.token_urlsafe(16)
                (preview_dir() / f"{token}{suffix}").write_bytes(data)
                confirm = ConfirmForm(council=council.id, fiscal_year=form.fiscal_year.data, token=token)
            return render_template(
                "reports/import_preview.html", plan=plan, council=council, fiscal_year=form.fiscal_year.data,
                confirm=confirm, filename=name,
            ), 400 if plan.problems else 200  # fmt: skip
    return render_template("reports/import.html", form=form, councils=councils), 400 if form.errors else 200


@bp.post("/reports/import/confirm")
@permission_required("import", ProgressReport)
def confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    council = get_for(current_user, "run", Council, form.council.data)
    fiscal_year = form.fiscal_year.data
    path = _stored(form.token.data)
    plan = _plan(path.read_bytes(), path.suffix, council, fiscal_year)
    if plan.problems:
        flash("ファイルに問題があるため取り込みませんでした。", "error")
        return redirect(url_for("report_imports.upload"))
    apply_import(current_user, council, fiscal_year, plan)
    db.session.commit()
    path.unlink(missing_ok=True)
    counts = f"新規 {len(plan.creates)}件、更新 {len(plan.updates)}件、変更なし {plan.unchanged}件"
    flash(f"取り込みました：{counts}。", "success")
    return redirect(url_for("reports.progress", council=council.id, fy=fiscal_year))
