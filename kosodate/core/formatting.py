"""Template filters: every date and fiscal year on screen goes through these."""

from flask import Flask

from .time import date_ja, datetime_ja, fiscal_year_label


def register_filters(app: Flask) -> None:
    app.add_template_filter(date_ja, "date_ja")
    app.add_template_filter(datetime_ja, "datetime_ja")
    app.add_template_filter(fiscal_year_label, "wareki")
