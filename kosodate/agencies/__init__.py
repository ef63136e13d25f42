"""Councils and their member agencies."""
