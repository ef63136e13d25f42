"""The form that makes a token."""

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..core.forms import AppForm
from .models import TokenScope
from .services import NAME_MAX

EXPIRY_CHOICES = [("30", "30日"), ("90", "90日"), ("365", "1年"), ("", "無期限")]


class TokenForm(AppForm):
    name = StringField(
        "名前（何に使うか）",
        validators=[
            DataRequired("トークンの名前を入力してください（例: kintone 連携）。"),
            Length(max=NAME_MAX, message=f"トークンの名前は{NAME_MAX}文字以内で入力してください。"),
        ],
    )
    scope = SelectField(
        "権限",
        choices=[(scope.value, scope.label) for scope in TokenScope],
        default=TokenScope.READ.value,
        validate_choice=False,
    )
    expires_days = SelectField("有効期限", choices=EXPIRY_CHOICES, default="90", validate_choice=False)

    def validate_scope(self, field):
        if field.data not in TokenScope._value2member_map_:
            raise ValidationError("権限を一覧から選んでください。")

    def validate_expires_days(self, field):
        if field.data not in {value for value, _label in EXPIRY_CHOICES}:
            raise ValidationError("有効期限を一覧から選んでください。")
