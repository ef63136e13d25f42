"""Forms of the meeting pages."""

from datetime import time

from flask_wtf.file import FileField, FileRequired
from wtforms import FieldList, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..core.forms import AppForm, AppSubForm, EnumSelectField, IdMultipleField, IdSelectField, JaDateField
from .models import MeetingKind

TEXT_MAX = 50_000
AGENDA_BLANK_ROWS = 3


class AgendaItemForm(AppSubForm):
    title = StringField("議題", validators=[Length(max=300, message="議題は300文字以内で入力してください。")])
    plan_item = IdSelectField("項目", validators=[Optional()])
    initiative = IdSelectField("取組み", validators=[Optional()])


class MeetingForm(AppForm):
    kind = EnumSelectField("種別", MeetingKind)
    title = StringField(
        "会議名",
        validators=[
            DataRequired("会議名を入力してください。"),
            Length(max=300, message="会議名は300文字以内で入力してください。"),
        ],
    )
    day = JaDateField("日付", validators=[InputRequired("日付を入力してください。")])
    start_time = StringField(
        "開始時刻", default="14:00", validators=[DataRequired("開始時刻を入力してください。")]
    )
    place = StringField("場所", validators=[Length(max=300, message="場所は300文字以内で入力してください。")])
    host_agency = IdSelectField("主催機関", validators=[Optional()])
    secretariat_agency = IdSelectField("事務局", validators=[Optional()])
    attendee_agencies = IdMultipleField("出席機関", validators=[Optional()])
    agenda = FieldList(FormField(AgendaItemForm), min_entries=AGENDA_BLANK_ROWS, max_entries=60)
    notes = TextAreaField("備考", validators=[Length(max=TEXT_MAX, message="備考が長すぎます。")])
    minutes = TextAreaField("議事録", validators=[Length(max=TEXT_MAX, message="議事録が長すぎます。")])

    def validate_start_time(self, field):
        try:
            time.fromisoformat(field.data)
        except (TypeError, ValueError):
            raise ValidationError("開始時刻は 14:00 のように入力してください。") from None


class AttachmentForm(AppForm):
    file = FileField(
        "別紙（PDF・Word・Excel・PowerPoint・画像、20MBまで）",
        validators=[FileRequired("ファイルを選んでください。")],
    )
