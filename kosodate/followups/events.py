"""Signals about follow-ups that other domains (reminders) listen to.

They are sent inside the transaction of the change, so whatever a receiver adds to the session
(an outbox row) is committed, or rolled back, with the change itself.
"""

from blinker import Namespace

_signals = Namespace()

#: sent when a follow-up is created with an owner or reassigned to another owner or agency.
#: sender: the FollowUp; keyword arguments: actor (the User who did it)
followup_assigned = _signals.signal("followup-assigned")
