"""Adapters to the outside world (ERP, shops, mail, calendar, webhooks)."""
