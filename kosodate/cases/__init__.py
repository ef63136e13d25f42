"""Cases: one child's coordination across agencies, need-to-know access, the access log, retention."""

from . import export  # noqa: F401  (registers the cases' CSVs in the council export)
