"""The FY2017 Atsugi council's real progress status list as demo data, and its loader."""
