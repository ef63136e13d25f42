"""The audit log's filters, read from the query string."""

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from ..core.args import ID_MAX
from ..core.forms import AppForm, JaDateField
from .labels import action_label, object_label


class IdField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("対象IDは1以上の整数で入れてください。") from None


class AuditFilterForm(AppForm):
    class Meta:
        csrf = False  # a GET form: filters in the URL, nothing changes

    user = StringField(
        "利用者（メールアドレス・名前の一部）",
        filters=[lambda text: (text or "").replace("\x00", "").strip()[:254]],
    )
    action = SelectField("操作", validate_choice=False)
    object_type = SelectField("対象", validate_choice=False)
    object_id = IdField(
        "対象ID",
        validators=[Optional(), NumberRange(1, ID_MAX, message="対象IDは1以上の整数で入れてください。")],
    )
    since = JaDateField("期間（から）", validators=[Optional()])
    until = JaDateField("期間（まで）", validators=[Optional()])

    def offer(self, actions: list[str], object_types: list[str]) -> None:
        self.action.choices = [("", "すべて")] + [(a, action_label(a)) for a in actions]
        self.object_type.choices = [("", "すべて")] + [(t, object_label(t)) for t in object_types]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("期間の終わりが始まりより前です。")

    def validate_action(self, field):
        if field.data and field.data not in dict(field.choices):
            raise ValidationError("選択肢にない値です。一覧から選んでください。")

    def validate_object_type(self, field):
        if field.data and field.data not in dict(field.choices):
            raise ValidationError("選択肢にない値です。一覧から選んでください。")
