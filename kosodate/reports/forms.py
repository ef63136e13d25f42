"""Forms of the report rounds."""

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.fields import IntegerField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import AppForm, EnumSelectField, IdMultipleField, IdSelectField, JaDateField
from ..initiatives.models import Category

TEXT_MAX = 20_000


def _text(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=TEXT_MAX, message=f"{TEXT_MAX:,}文字以内で入力してください。")]
    )


class OpenRoundForm(AppForm):
    fiscal_year = IntegerField(
        "年度（西暦の開始年）",
        validators=[
            InputRequired("年度を入力してください。"),
            NumberRange(2000, 2100, "年度は 2018 のように西暦で入力してください。"),
        ],
    )
    deadline = JaDateField("提出期限", validators=[InputRequired("提出期限を入力してください。")])
    meeting = IdSelectField("報告する会議", validators=[Optional()])
    document_number = StringField(
        "資料番号（例: 資料２－２）", validators=[Length(max=50, message="50文字以内で入力してください。")]
    )


class ReportForm(AppForm):
    progress = _text("（２）今年度の進捗状況について、実績や検討している内容")
    challenges = _text("（３）取組みを進める中で見えてきた課題")
    proposals = _text("（４）課題に対する考えうる解決策または関係機関と話し合いたいこと")
    proposal_agencies = IdMultipleField("（４）で話し合いたい関係機関", validators=[Optional()])
    next_year_plan = _text("（５）来年度以降の取組み")


class SubmitForm(AppForm):
    """The confirmation of a submission: what the page showed, as a fingerprint."""

    digest = HiddenField()


class ReopenForm(AppForm):
    reason = TextAreaField(
        "差し戻す理由（担当機関にメールで伝え、履歴に残します）",
        validators=[
            DataRequired("差し戻す理由を入力してください。"),
            Length(max=2000, message="理由は2,000文字以内で入力してください。"),
        ],
    )


class RemindForm(AppForm):
    agencies = IdMultipleField("リマインドする機関", validators=[DataRequired("機関を選んでください。")])


class ProposalForm(AppForm):
    title = StringField(
        "取組み名",
        validators=[
            DataRequired("取組み名を入力してください。"),
            Length(max=300, message="300文字以内で入力してください。"),
        ],
    )
    content = _text("（１）項目・内容")
    plan_item = IdSelectField("項目", validators=[Optional()])
    category = EnumSelectField("課題区分", Category, blank="（なし）")
