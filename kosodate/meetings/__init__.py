"""Meetings: liaison meetings, sub-committees, study sessions, discharge conferences."""
