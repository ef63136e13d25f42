"""The forms of a council's plan items (項目), on /admin/councils/<id>."""

from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange

from ..core.forms import AppForm, EnumSelectField
from .models import Category

PLAN_ITEM_NUMBER_MAX = 999


class PlanItemForm(AppForm):
    number = IntegerField(
        "項目番号",
        validators=[
            DataRequired("項目番号を入力してください。"),
            NumberRange(
                1, PLAN_ITEM_NUMBER_MAX, message=f"項目番号は1から{PLAN_ITEM_NUMBER_MAX}までの数です。"
            ),
        ],
    )
    title = StringField(
        "項目名",
        validators=[
            DataRequired("項目名を入力してください。"),
            Length(max=300, message="項目名は300文字以内です。"),
        ],
    )
    category = EnumSelectField("課題区分", Category, blank="（なし）")


class PlanItemMoveForm(AppForm):
    """Move an item one place up or down: it takes its neighbour's number, the neighbour its."""

    direction = HiddenField(validators=[AnyOf(("up", "down"), message="操作が正しくありません。")])
