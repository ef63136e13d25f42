"""Progress reports, report rounds and proposals are the council's: its members read them; the
secretariat runs the rounds and may write any report; an agency member writes her agency's."""

import sqlalchemy as sa

from ..core.access import Rule, council_clause, in_council, register, runs_council
from ..core.roles import SECRETARIAT_ROLES, Role
from ..initiatives.models import Initiative
from .models import ProgressReport
from .rounds_models import InitiativeProposal, ReportRound


@register(ProgressReport, name="progress_report")
class ProgressReportRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        initiatives = sa.select(Initiative.id).where(council_clause(user, Initiative.council_id))
        return ProgressReport.initiative_id.in_(initiatives)

    def can_view(self, user, report: ProgressReport) -> bool:
        return in_council(user, report.initiative.council_id)

    def allows(self, user, action: str, report: ProgressReport | None) -> bool:
        if report is None:
            return action == "import" and user.role in SECRETARIAT_ROLES
        council_id = report.initiative.council_id
        if action == "write":
            return runs_council(user, council_id) or (
                user.role is Role.AGENCY_MEMBER and user.agency_id == report.initiative.lead_agency_id
            )
        return action == "reopen" and runs_council(user, council_id)


@register(ReportRound, name="report_round")
class ReportRoundRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        return council_clause(user, ReportRound.council_id)

    def can_view(self, user, report_round: ReportRound) -> bool:
        return in_council(user, report_round.council_id)

    def allows(self, user, action: str, report_round: ReportRound | None) -> bool:
        if report_round is None:
            return False
        if action == "run":  # remind, decide proposals
            return runs_council(user, report_round.council_id)
        # an agency of the council proposes a new initiative inside the round
        return action == "propose" and user.role is Role.AGENCY_MEMBER


@register(InitiativeProposal, name="initiative_proposal")
class InitiativeProposalRule(Rule):
    def visible(self, user) -> sa.ColumnElement[bool]:
        rounds = sa.select(ReportRound.id).where(council_clause(user, ReportRound.council_id))
        return InitiativeProposal.round_id.in_(rounds)

    def can_view(self, user, proposal: InitiativeProposal) -> bool:
        return in_council(user, proposal.report_round.council_id)

    def allows(self, user, action: str, proposal: InitiativeProposal | None) -> bool:
        return (
            proposal is not None
            and action == "decide"
            and runs_council(user, proposal.report_round.council_id)
        )
