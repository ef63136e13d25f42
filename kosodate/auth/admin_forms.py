"""The forms of /admin/users and of the invitation link."""

from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from ..core.forms import AppForm, EnumSelectField, IdSelectField, email_address
from .models import Role
from .passwords import MAX_LENGTH

#: the actions on a user's page, each a button of its own
USER_ACTIONS = ("deactivate", "reactivate", "unlock", "reset-2fa", "invite")


class UserForm(AppForm):
    """Name, role and agency; the view narrows the choices to what the actor may give."""

    name = StringField(
        "氏名（表示名）",
        validators=[
            DataRequired("氏名を入力してください。"),
            Length(max=100, message="氏名は100文字以内です。"),
        ],
    )
    role = EnumSelectField("役割", Role)
    agency = IdSelectField("所属機関")

    def offer(self, roles, agencies, several_councils: bool) -> None:
        self.role.choices = [(role.value, role.label) for role in roles]
        self.agency.choices = [(None, "（なし：システム管理者のみ）")] + [
            (agency.id, f"{agency.council.name}　{agency.name}" if several_councils else agency.name)
            for agency in agencies
        ]


class InviteForm(UserForm):
    email = EmailField(
        "メールアドレス",
        validators=[
            DataRequired("メールアドレスを入力してください。"),
            Length(max=254, message="メールアドレスは254文字以内です。"),
            email_address,
        ],
    )


class UserActionForm(AppForm):
    """One of the buttons of a user's page (the CSRF token and which action)."""

    action = HiddenField(validators=[AnyOf(USER_ACTIONS, message="操作が正しくありません。")])


class SetPasswordForm(AppForm):
    """The invitation's page: the first password, twice."""

    password = PasswordField(
        "新しいパスワード",
        validators=[
            DataRequired("パスワードを入力してください。"),
            Length(max=MAX_LENGTH, message=f"パスワードは{MAX_LENGTH}文字以内です。"),
        ],
    )
    confirm = PasswordField(
        "新しいパスワード（確認）",
        validators=[
            DataRequired("確認のため、もう一度入力してください。"),
            EqualTo("password", message="2つのパスワードが一致しません。"),
        ],
    )
