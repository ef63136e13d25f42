"""The audit log page (/admin/audit): read, filtered and exported by the admin and the secretariat."""
