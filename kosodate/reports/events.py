"""Signals about progress report rounds that other domains (reminders) listen to.

Sent inside the transaction of the change, like kosodate.followups.events.
"""

from blinker import Namespace

_signals = Namespace()

#: sent when the secretariat opens a report round. sender: the round; keyword arguments: actor
report_round_opened = _signals.signal("report-round-opened")

#: sent when the secretariat asks for a reminder to agencies that have not submitted.
#: sender: the round; keyword arguments: agency_ids (list[int]), actor
report_reminder_requested = _signals.signal("report-reminder-requested")

#: sent when the secretariat returns a submitted report to its agency.
#: sender: the report; keyword arguments: reason (str), actor
report_reopened = _signals.signal("report-reopened")
