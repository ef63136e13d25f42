"""Business days in Japan: no reminder on a Saturday, a Sunday or a public holiday (jpholiday)."""

from datetime import date, datetime, time, timedelta
from functools import cache

import jpholiday

from ..core.time import TOKYO

SEND_AT = time(9, 0)


@cache  # jpholiday computes a year's holidays on every call; a pass asks about the same days again and again
def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day)


def business_day_on_or_before(day: date) -> date:
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def business_day_on_or_after(day: date) -> date:
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def business_day_after(day: date) -> date:
    return business_day_on_or_after(day + timedelta(days=1))


def send_moment(day: date) -> datetime:
    """09:00 Asia/Tokyo of a day."""
    return datetime.combine(day, SEND_AT, TOKYO)
