"""Reminder e-mails: rules computed from the data, an outbox with a dedupe key, senders, the scheduler."""
