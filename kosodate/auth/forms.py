"""The login form."""

from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from ..core.forms import AppForm
from .passwords import MAX_LENGTH


class LoginForm(AppForm):
    email = EmailField(
        "メールアドレス",
        validators=[DataRequired("メールアドレスを入力してください。"), Length(max=254)],
    )
    password = PasswordField(
        "パスワード",
        validators=[
            DataRequired("パスワードを入力してください。"),
            Length(max=MAX_LENGTH, message=f"パスワードは{MAX_LENGTH}文字以内です。"),
        ],
    )
    next = HiddenField()
