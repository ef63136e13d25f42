"""Forms of the follow-up pages."""

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import AppForm, EnumSelectField, IdMultipleField, IdSelectField, JaDateField
from .models import FollowUpPriority

TITLE_MAX = 200
TEXT_MAX = 10_000


class FollowUpForm(AppForm):
    title = StringField(
        "件名",
        validators=[
            DataRequired("件名を入力してください。"),
            Length(max=TITLE_MAX, message=f"件名は{TITLE_MAX}文字以内で入力してください。"),
        ],
    )
    description = TextAreaField(
        "内容", validators=[Length(max=TEXT_MAX, message=f"内容は{TEXT_MAX:,}文字以内で入力してください。")]
    )
    responsible_agency = IdSelectField("担当機関", validators=[DataRequired("担当機関を選んでください。")])
    owner = IdSelectField("担当者", validators=[Optional()])
    linked_agencies = IdMultipleField("関係機関", validators=[Optional()])
    due_date = JaDateField("期限", validators=[Optional()])
    priority = EnumSelectField("優先度", FollowUpPriority, default=FollowUpPriority.NORMAL.value)
    discuss_at_next_meeting = BooleanField("会議で協議したい")
    source_meeting = IdSelectField("元の会議", validators=[Optional()])
    source_initiative = IdSelectField("元の取組み", validators=[Optional()])
    version = HiddenField()


class StatusForm(AppForm):
    action = HiddenField()
    note = TextAreaField(
        "完了メモ（任意）",
        validators=[Length(max=TEXT_MAX, message=f"メモは{TEXT_MAX:,}文字以内で入力してください。")],
    )
    version = HiddenField()


class CommentForm(AppForm):
    body = TextAreaField(
        "コメント",
        validators=[
            DataRequired("コメントを入力してください。"),
            Length(max=TEXT_MAX, message=f"コメントは{TEXT_MAX:,}文字以内で入力してください。"),
        ],
    )


class BulkForm(AppForm):
    """Bulk actions on the list: the chosen follow-ups come as `ids`."""

    action = SelectField(
        "一括操作",
        choices=[("reassign", "担当を変更"), ("due_date", "期限を変更"), ("close", "完了にする")],
        validate_choice=False,
    )
    ids = IdMultipleField("対象", validators=[DataRequired("対象の対応事項を選んでください。")])
    responsible_agency = IdSelectField("担当機関", validators=[Optional()])
    owner = IdSelectField("担当者", validators=[Optional()])
    due_date = JaDateField("期限", validators=[Optional()])
    note = StringField("完了メモ", validators=[Length(max=TEXT_MAX)])
