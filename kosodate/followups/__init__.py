"""Follow-ups (対応事項): actionable items with an owner, agencies and a due date."""
