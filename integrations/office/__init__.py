"""Outlook and Office formats: vCard 4.0, iCalendar, CSV and XLSX (pure adapters, no I/O of their own)."""
