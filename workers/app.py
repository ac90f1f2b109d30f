"""The Celery app: Redis as broker and result backend, late acks, explicit task names."""

from __future__ import annotations

from celery import Celery

from config.settings import get_settings

settings = get_settings()

app = Celery("crm", broker=settings.redis_url, backend=settings.redis_url, include=["workers.tasks"])
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_default_queue="crm",
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    timezone="UTC",
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "heartbeat": {"task": "crm.system.heartbeat", "schedule": 30.0},
        "opportunity-monitor": {"task": "crm.opportunities.monitor", "schedule": 3600.0},
        "ticket-sla": {"task": "crm.tickets.sla", "schedule": 60.0, "options": {"expires": 60.0}},
        # Backstop for the relay loop of the API processes (change events left in the outbox).
        "outbox-relay": {"task": "crm.outbox.relay", "schedule": 10.0, "options": {"expires": 10.0}},
    },
)
