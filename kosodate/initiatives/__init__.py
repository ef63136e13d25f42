"""Plan items (項目) and the agencies' initiatives (取組み)."""
