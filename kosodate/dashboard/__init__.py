"""The personal dashboard at /."""
