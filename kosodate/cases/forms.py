"""Forms of the case pages."""

import re

from flask_wtf.file import FileField
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import AppForm, EnumSelectField, IdMultipleField, IdSelectField, JaDateField
from ..core.time import today_tokyo
from .models import CareNeed, CareRole, CaseStatus

TEXT_MAX = 20_000
PREFIX = re.compile(r"[A-Z0-9]{2,6}")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; a value not offered is refused in Japanese."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        offered = {value for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError("選択肢にない値があります。一覧から選んでください。")


class CaseForm(AppForm):
    child_name = StringField(
        "お子さんの氏名",
        validators=[
            DataRequired("お子さんの氏名を入力してください。"),
            Length(max=100, message="氏名は100文字以内で入力してください。"),
        ],
    )
    child_kana = StringField(
        "ふりがな", validators=[Length(max=100, message="ふりがなは100文字以内で入力してください。")]
    )
    birth_date = JaDateField("生年月日", validators=[Optional()])
    municipality = StringField(
        "お住まいの市町村", validators=[Length(max=100, message="市町村は100文字以内で入力してください。")]
    )
    needs = CheckboxesField("医療的ケア", choices=[(need.value, need.label) for need in CareNeed])
    main_hospital = IdSelectField("主に受診する病院", validators=[Optional()])
    expected_discharge_date = JaDateField("退院予定日", validators=[Optional()])
    status = EnumSelectField("状態", CaseStatus, default=CaseStatus.INPATIENT.value)

    def validate_birth_date(self, field):
        if field.data is not None and field.data > today_tokyo():
            raise ValidationError("生年月日が今日より後の日付です。")


class NewCaseForm(CaseForm):
    """Creating: the creator's agency becomes the lead agency, with its role and contact person."""

    role = EnumSelectField("自機関の役割", CareRole, default=CareRole.HOSPITAL.value)
    contact_person = StringField(
        "自機関の担当者（氏名・連絡先）",
        validators=[Length(max=200, message="担当者は200文字以内で入力してください。")],
    )


class TeamMemberForm(AppForm):
    agency = IdSelectField("機関", validators=[DataRequired("支援チームに加える機関を選んでください。")])
    role = EnumSelectField("役割", CareRole)
    contact_person = StringField(
        "担当者（氏名・連絡先）",
        validators=[Length(max=200, message="担当者は200文字以内で入力してください。")],
    )
    emergency_reason = TextAreaField(
        "同意の範囲外の機関を緊急で加える理由",
        validators=[Length(max=2000, message="理由は2,000文字以内で入力してください。")],
    )


class ConsentForm(AppForm):
    guardian_name = StringField(
        "同意した方（保護者）の氏名",
        validators=[
            DataRequired("同意した方の氏名を入力してください。"),
            Length(max=100, message="氏名は100文字以内で入力してください。"),
        ],
    )
    relationship_to_child = StringField(
        "続柄", validators=[Length(max=30, message="続柄は30文字以内で入力してください。")]
    )
    given_on = JaDateField("同意日", validators=[InputRequired("同意日を入力してください。")])
    agencies = IdMultipleField(
        "情報を共有してよい機関（複数選択可）",
        validators=[DataRequired("同意の対象となる機関を選んでください。")],
    )
    form_file = FileField("同意書（スキャンしたもの。PDF・画像、20MBまで）")

    def validate_given_on(self, field):
        if field.data is not None and field.data > today_tokyo():
            raise ValidationError("同意日が今日より後の日付です。")


class NoteForm(AppForm):
    noted_on = JaDateField(
        "日付", default=today_tokyo, validators=[InputRequired("日付を入力してください。")]
    )
    body = TextAreaField(
        "経過記録",
        validators=[
            DataRequired("経過記録を入力してください。"),
            Length(max=TEXT_MAX, message=f"経過記録は{TEXT_MAX:,}文字以内で入力してください。"),
        ],
    )


class CorrectionForm(AppForm):
    body = TextAreaField(
        "訂正の内容",
        validators=[
            DataRequired("訂正の内容を入力してください。"),
            Length(max=TEXT_MAX, message=f"訂正は{TEXT_MAX:,}文字以内で入力してください。"),
        ],
    )


class CaseSettingsForm(AppForm):
    case_prefix = StringField(
        "ケースコードの頭文字（英大文字・数字 2〜6文字）",
        validators=[DataRequired("ケースコードの頭文字を入力してください。")],
    )
    agenda = TextAreaField(
        "退院前カンファレンスの議題（1行に1つ）",
        validators=[
            DataRequired("議題を1つ以上入力してください。"),
            Length(max=5000, message="議題が長すぎます。"),
        ],
    )

    def validate_case_prefix(self, field):
        field.data = (field.data or "").strip().upper()
        if not PREFIX.fullmatch(field.data):
            raise ValidationError("英大文字と数字の2〜6文字で入力してください（例: ATG）。")

    def validate_agenda(self, field):
        lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > 30 or any(len(line) > 300 for line in lines):
            raise ValidationError("議題は30行まで、1行300文字以内で入力してください。")
