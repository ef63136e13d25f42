"""The base of every form, and fields that speak Japanese when the input does not parse.

Every form subclasses `AppForm` (or `AppSubForm` inside a FormField): each text field then refuses
control characters, and WTForms' own messages ("Not a valid integer value.") come in Japanese.
"""

import re
from datetime import date
from enum import StrEnum

from flask import has_request_context, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import DateField, FileField, Form, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.i18n import get_translations
from wtforms.validators import StopValidation, ValidationError

from .args import ID_MAX
from .text import CONTROL_MESSAGE, has_control_characters
from .time import DATE_MAX, DATE_MIN

NOT_OFFERED = "選択肢にない値です。一覧から選んでください。"


def refuse_control_characters(form, field) -> None:
    """Tabs are kept everywhere, line breaks in text areas only."""
    if isinstance(field.data, str) and has_control_characters(
        field.data, multiline=isinstance(field, TextAreaField)
    ):
        raise StopValidation(CONTROL_MESSAGE)


class _CheckedMeta:
    """Form options WTForms merges into each form's Meta (see wtforms.form.FormMeta)."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField):  # also text areas, hidden, password and e-mail fields
            field.validators = [refuse_control_characters, *field.validators]
        return field

    def get_translations(self, form):
        return get_translations(["ja"])

    def wrap_formdata(self, form, formdata):
        """Only what a browser posts reaches the fields: text, and files where a file is asked for.
        (Flask-WTF also reads JSON bodies, whose numbers and lists are not text, and lets a file
        posted under a text field's name reach that field.)"""
        data = super().wrap_formdata(form, formdata)
        if data is None or not has_request_context():
            return data
        if request.is_json:
            return None
        if not request.files:
            return data
        file_fields = {field.name for field in form if isinstance(field, FileField)}
        return MultiDict(
            (name, value)
            for name, value in data.items(multi=True)
            if not isinstance(value, FileStorage) or name in file_fields
        )


class AppForm(FlaskForm):
    """A form with CSRF protection and checked text."""

    Meta = _CheckedMeta


class AppSubForm(Form):
    """The rows of a FieldList(FormField(…)): checked text, the CSRF token is the outer form's."""

    Meta = _CheckedMeta


def int_or_none(value) -> int | None:
    """An id from a form: None when empty; anything that is not an id (1 … 2³¹−1) is -1, which no
    choice offers, so that the field refuses it."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not 0 < int(text) <= ID_MAX:
        return -1
    return int(text)


class JaDateField(DateField):
    """A day between DATE_MIN and DATE_MAX, written 2018-02-28."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError("日付の形式が正しくありません（例: 2018-02-28）。") from None
        if not DATE_MIN <= self.data <= DATE_MAX:
            self.data = None
            raise ValueError(f"日付は{DATE_MIN.year}年から{DATE_MAX.year}年までの日付で入力してください。")


class EnumSelectField(SelectField):
    """One value of a StrEnum with labels; `blank` offers "" first (no choice)."""

    def __init__(self, label, enum: type[StrEnum], blank: str | None = None, **kwargs):
        choices = [("", blank)] if blank is not None else []
        choices += [(member.value, member.label) for member in enum]
        super().__init__(label, choices=choices, validate_choice=False, **kwargs)
        self.blank_allowed = blank is not None

    def pre_validate(self, form):
        if self.blank_allowed and self.data is None:  # not sent at all: the same as the blank choice
            return
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(f"{self.label.text}を一覧から選んでください。")


class IdSelectField(SelectField):
    """A choice of one id among those offered; another id is refused with a Japanese message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int_or_none, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        offered = {value for value, _label in self.choices}
        if self.data is not None and self.data not in offered:
            raise ValidationError(NOT_OFFERED)


class IdMultipleField(SelectMultipleField):
    """Several ids among those offered. Empty values are dropped (no browser sends them), and the
    check runs after the validators, so that Optional() cannot skip it."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int_or_none, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([value for value in valuelist if value not in ("", "None")])

    def post_validate(self, form, validation_stopped):
        offered = {value for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError("選択肢にない値があります。一覧から選んでください。")


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_WEB_ADDRESS = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?", re.IGNORECASE)


def email_address(form, field) -> None:
    """An e-mail address as people write them: something@domain.tld (WTForms' Email() would need
    another library)."""
    if field.data and not _EMAIL.fullmatch(field.data.strip()):
        raise ValidationError("メールアドレスの形式が正しくありません（例: info@example.jp）。")


def web_address(form, field) -> None:
    """An http(s) address only: a javascript: or data: link would run when clicked."""
    if field.data and not _WEB_ADDRESS.fullmatch(field.data.strip()):
        raise ValidationError("http:// または https:// で始まるアドレスを入力してください。")
