"""Cases: one child's coordination across agencies, need-to-know access, the access log, retention."""
