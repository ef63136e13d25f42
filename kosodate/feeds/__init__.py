"""The personal iCalendar feed of meetings and due dates."""
