"""Where a `next` parameter may send a user (after login, on キャンセル): only to a path on this site."""

from urllib.parse import urlsplit, urlunsplit

from flask import request


def safe_next_path(target: str | None) -> str | None:
    """The target when it is a plain local path (/meetings?x=1), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def back_path(default: str) -> str:
    """Where a form's キャンセル leads: its `next` (kept in the form through a failed save), else the
    page of this site the user came from, else `default`."""
    target = safe_next_path(request.values.get("next"))
    if target is None and request.referrer:
        parts = urlsplit(request.referrer)
        if parts.netloc == request.host:
            target = safe_next_path(urlunsplit(("", "", parts.path, parts.query, "")))
    if target in (request.path, request.full_path.rstrip("?")):  # the form itself, e.g. reloaded
        target = None
    return target or default
