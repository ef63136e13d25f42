"""Backups and restores of the whole installation, and a council's export of everything it put in."""
