"""Marshmallow fields and schemas that refuse bad input with Japanese messages.

Strings are also refused when they hold a NUL or a lone surrogate: PostgreSQL stores neither, and
the API must answer 422, not fail on the way to the database.
"""

import marshmallow as ma
from marshmallow import fields

from ..core.args import ID_MAX

REQUIRED = {"required": "必須の項目です。", "null": "null は指定できません。"}


class Schema(ma.Schema):
    error_messages = {
        "unknown": "この項目はありません。",
        "type": "JSON のオブジェクトで送ってください。",
    }


class QuerySchema(Schema):
    """Query strings: a parameter the API does not know is ignored, as by the pages."""

    class Meta:
        unknown = ma.EXCLUDE


class Str(fields.String):
    default_error_messages = {**REQUIRED, "invalid": "文字列で指定してください。"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ma.ValidationError("使えない文字（NUL）が含まれています。")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ma.ValidationError("文字として読めない値が含まれています。") from None
        return text


class Int(fields.Integer):
    default_error_messages = {
        **REQUIRED,
        "invalid": "整数で指定してください。",
        "too_large": "値が大きすぎます。",
    }


class Id(Int):
    """The id of a row: a positive 32-bit integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "validate", ma.validate.Range(min=1, max=ID_MAX, error="1以上の正しい id を指定してください。")
        )
        super().__init__(**kwargs)


class Bool(fields.Boolean):
    default_error_messages = {**REQUIRED, "invalid": "true か false で指定してください。"}


class Date(fields.Date):
    default_error_messages = {**REQUIRED, "invalid": "日付は 2018-02-28 の形で指定してください。"}


class DateTime(fields.AwareDateTime):
    default_error_messages = {**REQUIRED, "invalid": "日時は ISO 8601 の形で指定してください。"}


class List(fields.List):
    default_error_messages = {**REQUIRED, "invalid": "配列で指定してください。"}


class Nested(fields.Nested):
    default_error_messages = {**REQUIRED, "type": "オブジェクトで指定してください。"}


def one_of(choices) -> ma.validate.OneOf:
    values = [str(choice) for choice in choices]
    return ma.validate.OneOf(values, error="次のどれかで指定してください: " + "、".join(values))


def at_most(length: int) -> ma.validate.Length:
    return ma.validate.Length(max=length, error=f"{length}文字以内で指定してください。")
