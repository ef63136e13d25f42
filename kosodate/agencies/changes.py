"""Adding and changing councils and agencies (/admin/agencies, /admin/councils). Each change is
audited; nothing here commits (the view does)."""

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from ..core import audit
from ..core.refusals import Refused
from ..extensions import db
from .models import Agency, AgencyKind, Council


class AgencyRefused(Refused):
    """A change of a council or an agency that cannot be made (next to its name unless told)."""


@dataclass(frozen=True)
class AgencyData:
    name: str
    kind: AgencyKind
    municipality: str | None
    contact_email: str | None
    phone: str | None
    address: str | None
    website: str | None
    sort_order: int
    active: bool


@dataclass(frozen=True)
class CouncilData:
    name: str
    area: str
    prefecture: str


def _shown(value):
    return value.value if isinstance(value, AgencyKind) else value


def _apply(obj, data) -> dict[str, list]:
    """Set the fields that differ; {field: [old, new]} of those."""
    changes = {}
    for name, value in asdict(data).items():
        if getattr(obj, name) != value:
            changes[name] = [_shown(getattr(obj, name)), _shown(value)]
            setattr(obj, name, value)
    return changes


def _name_taken(council: Council, name: str, agency: Agency | None = None) -> bool:
    query = sa.select(Agency.id).where(Agency.council_id == council.id, Agency.name == name)
    if agency is not None:
        query = query.where(Agency.id != agency.id)
    return db.session.scalar(query) is not None


def create_agency(actor, council: Council, data: AgencyData) -> Agency:
    if _name_taken(council, data.name):
        raise AgencyRefused("同じ名前の機関がこの連絡会議にあります。")
    agency = Agency(council=council, **asdict(data))
    db.session.add(agency)
    audit.record("agency.create", actor=actor, obj=agency, changes={"name": data.name})
    return agency


def update_agency(actor, agency: Agency, data: AgencyData) -> dict[str, list]:
    if _name_taken(agency.council, data.name, agency):
        raise AgencyRefused("同じ名前の機関がこの連絡会議にあります。")
    changes = _apply(agency, data)
    if changes:
        audit.record("agency.update", actor=actor, obj=agency, changes=changes)
    return changes


def _council_name_taken(name: str, council: Council | None = None) -> bool:
    query = sa.select(Council.id).where(Council.name == name)
    if council is not None:
        query = query.where(Council.id != council.id)
    return db.session.scalar(query) is not None


def create_council(actor, data: CouncilData) -> Council:
    if _council_name_taken(data.name):
        raise AgencyRefused("同じ名前の連絡会議があります。")
    council = Council(**asdict(data))
    db.session.add(council)
    audit.record("council.create", actor=actor, obj=council, changes={"name": data.name})
    return council


def update_council(actor, council: Council, data: CouncilData) -> dict[str, list]:
    if _council_name_taken(data.name, council):
        raise AgencyRefused("同じ名前の連絡会議があります。")
    changes = _apply(council, data)
    if changes:
        audit.record("council.update", actor=actor, obj=council, changes=changes)
    return changes
