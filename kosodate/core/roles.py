"""The roles of DESIGN.md §4. They live in core so that core's permission rules need no domain."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    COORDINATOR = "coordinator"
    AGENCY_MEMBER = "agency_member"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "システム管理者",
    Role.SECRETARIAT: "事務局",
    Role.COORDINATOR: "コーディネーター",
    Role.AGENCY_MEMBER: "関係機関担当者",
}

#: those who work for the whole council rather than for one agency
STAFF_ROLES = frozenset({Role.ADMIN, Role.SECRETARIAT, Role.COORDINATOR})
#: those who run report rounds, imports and the council's administration
SECRETARIAT_ROLES = frozenset({Role.ADMIN, Role.SECRETARIAT})
