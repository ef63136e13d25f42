"""Where a `next` parameter may send a user after login: only to a path on this site."""

from urllib.parse import urlsplit


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
