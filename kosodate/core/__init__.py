"""What every domain uses: time and fiscal years, database types, audit, permissions."""
