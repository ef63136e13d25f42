"""Signals about cases that other domains (reminders) listen to, sent inside the change's transaction."""

from blinker import Namespace

_signals = Namespace()

#: sent when the lead agency adds an agency the consent does not cover, in an emergency.
#: sender: the CareTeamMember; keyword arguments: actor (the User who added it)
emergency_member_added = _signals.signal("case-emergency-member-added")
