"""Backups hold every council's data: only admins see and make them."""

from ..core.access import Rule, register
from ..core.roles import Role


class BackupArchive:
    """An archive in the backup folder (a file, not a row): the kind the backup pages act on."""


@register(BackupArchive, name="backup")
class BackupRule(Rule):
    def allows(self, user, action: str, archive) -> bool:
        # "administer": list, make and download the archives
        return action == "administer" and user.role is Role.ADMIN
