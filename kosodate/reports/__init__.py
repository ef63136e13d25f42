"""Progress reports (進捗報告) and the compiled progress status list."""
