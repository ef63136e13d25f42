"""Signals about sign-in that other domains (reminders) listen to.

Sent inside the transaction of the change, like kosodate.followups.events.
"""

from blinker import Namespace

_signals = Namespace()

#: sent when an account is locked after failed sign-ins. sender: the User;
#: keyword arguments: until (aware datetime), count (the how-manieth lock in a row)
account_locked = _signals.signal("account-locked")

#: sent when a user is invited (or invited again). sender: the User; keyword arguments: token (the
#: link's secret, for the e-mail only), expires_at (aware datetime), invitation_id
user_invited = _signals.signal("user-invited")
