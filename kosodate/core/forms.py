"""Form fields that speak Japanese when the input does not parse, and parse ids safely."""

from datetime import date

from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError


def int_or_none(value) -> int | None:
    """An id from a form: anything that is not a whole number is None (and then refused)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class JaDateField(DateField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError("日付の形式が正しくありません（例: 2018-02-28）。") from None


class IdSelectField(SelectField):
    """A choice of one id among those offered; another id is refused with a Japanese message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int_or_none, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        offered = {value for value, _label in self.choices}
        if self.data is not None and self.data not in offered:
            raise ValidationError("選択肢にない値です。一覧から選んでください。")


class IdMultipleField(SelectMultipleField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int_or_none, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        offered = {value for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError("選択肢にない値があります。一覧から選んでください。")
