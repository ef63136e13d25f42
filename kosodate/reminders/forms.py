"""The form of the one-click links' confirmation page."""

from wtforms import TextAreaField
from wtforms.validators import Length

from ..core.forms import AppForm

NOTE_MAX = 10_000


class OneClickForm(AppForm):
    note = TextAreaField(
        "完了メモ（任意）",
        validators=[Length(max=NOTE_MAX, message=f"メモは{NOTE_MAX:,}文字以内で入力してください。")],
    )
