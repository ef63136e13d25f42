"""The sign-in forms: password, second-factor code, the password asked again."""

from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..core.forms import AppForm
from .passwords import MAX_LENGTH


def _password_field(label: str = "パスワード") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("パスワードを入力してください。"),
            Length(max=MAX_LENGTH, message=f"パスワードは{MAX_LENGTH}文字以内です。"),
        ],
    )


def _email_field() -> EmailField:
    return EmailField(
        "メールアドレス",
        validators=[DataRequired("メールアドレスを入力してください。"), Length(max=254)],
    )


class LoginForm(AppForm):
    email = _email_field()
    password = _password_field()
    next = HiddenField()


class CodeForm(AppForm):
    code = StringField(
        "確認コード",
        validators=[
            DataRequired("確認コードを入力してください。"),
            Length(max=64, message="確認コードが長すぎます。"),
        ],
    )


class PasswordAgainForm(AppForm):
    password = _password_field()
    next = HiddenField()
