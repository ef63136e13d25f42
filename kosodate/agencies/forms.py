"""The forms of /admin/agencies and /admin/councils (plan items: initiatives/forms.py)."""

from wtforms import BooleanField, EmailField, IntegerField, StringField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..core.forms import AppForm, EnumSelectField, IdSelectField, email_address, web_address
from .models import AgencyKind

SORT_ORDER_MAX = 9999


def _text(label: str, maximum: int, *validators, required: bool = False) -> StringField:
    first = DataRequired(f"{label}を入力してください。") if required else Optional()
    return StringField(
        label,
        validators=[first, Length(max=maximum, message=f"{label}は{maximum}文字以内です。"), *validators],
    )


class AgencyForm(AppForm):
    #: offered when an agency is added (admins choose among councils); an agency stays in its council
    council = IdSelectField("連絡会議")
    name = _text("機関名", 200, required=True)
    kind = EnumSelectField("種別", AgencyKind)
    municipality = _text("市町村", 100)
    contact_email = EmailField(
        "連絡先メールアドレス（機関あてのリマインダーの送り先）",
        validators=[Optional(), Length(max=254, message="メールアドレスは254文字以内です。"), email_address],
    )
    phone = _text(
        "電話番号",
        30,
        Regexp(r"^[0-9０-９+\-ー－()（） ]*$", message="電話番号は数字とハイフンで入力してください。"),
    )
    address = _text("住所", 200)
    website = URLField(
        "ウェブサイト",
        validators=[
            Optional(),
            Length(max=300, message="ウェブサイトのアドレスは300文字以内です。"),
            web_address,
        ],
    )
    sort_order = IntegerField(
        "並び順（進捗状況一覧の列の順）",
        validators=[
            Optional(),
            NumberRange(
                0, SORT_ORDER_MAX, message=f"並び順は0から{SORT_ORDER_MAX}までの数で入力してください。"
            ),
        ],
    )
    active = BooleanField("有効（外すと、新しい対応事項や利用者の所属に選べなくなります）", default=True)


class CouncilForm(AppForm):
    name = _text("連絡会議の名称", 200, required=True)
    area = _text("対象の市町村（例: 厚木市・愛川町・清川村）", 200)
    prefecture = _text("都道府県", 20)
