"""Pages of a list as RFC 8288 Link headers (first, prev, next, last) and X-Total-Count."""

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import request

from ..extensions import db


def page_headers(page: int, pages: int, total: int) -> dict[str, str]:
    def link(number: int, rel: str) -> str:
        args = {**request.args.to_dict(), "page": str(number)}
        return f'<{request.base_url}?{urlencode(args)}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, pages), "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    links.append(link(pages, "last"))
    return {"Link": ", ".join(links), "X-Total-Count": str(total)}


def paginate(query: sa.Select, page: int, per_page: int) -> tuple[list, int, int, int]:
    """(rows, page, pages, total) of a SELECT; a page past the last gives the last."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), page, pages, total


def page_of(items: list, page: int, per_page: int) -> tuple[list, int, int, int]:
    """The same over a list already loaded."""
    total = len(items)
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    return items[(page - 1) * per_page : page * per_page], page, pages, total
