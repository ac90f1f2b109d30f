"""The Celery app: Redis as broker and result backend, late acks, explicit task names."""

from __future__ import annotations

from celery import Celery

from config.settings import get_settings

settings = get_settings()

app = Celery(
    "crm", broker=settings.redis_url, backend=settings.redis_url, include=["workers.tasks", "workers.webhooks"]
)
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
    # Late acks: a task whose worker dies stays unacknowledged in Redis and is handed to another worker once it
    # is older than the visibility timeout (55 s, not Celery's hour); live workers look for such tasks every 5 s.
    # Tasks must therefore be idempotent (they are) and shorter than the timeout.
    broker_transport_options={
        "visibility_timeout": settings.task_visibility_timeout,
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
    },
    # On a lost broker connection, running late-ack tasks will be redelivered: cancel them rather than run twice.
    worker_cancel_long_running_tasks_on_connection_loss=True,
    # [integrations:webhooks] deliveries have a queue (and worker) of their own.
    task_routes={"crm.webhooks.deliver": {"queue": "webhooks"}},
    beat_schedule={
        "heartbeat": {"task": "crm.system.heartbeat", "schedule": 30.0},
        "opportunity-monitor": {"task": "crm.opportunities.monitor", "schedule": 3600.0},
        "ticket-sla": {"task": "crm.tickets.sla", "schedule": 60.0, "options": {"expires": 60.0}},
        # Backstop for the relay loop of the API processes (change events left in the outbox).
        "outbox-relay": {"task": "crm.outbox.relay", "schedule": 10.0, "options": {"expires": 10.0}},
        # [b2c:mail] due mailing runs (sendAt reached, next cron occurrence) and broken chains of chunks
        "mailings-due": {"task": "crm.mailings.due", "schedule": 30.0, "options": {"expires": 30.0}},
        # [integrations:webhooks]
        "webhook-prune": {"task": "crm.webhooks.prune", "schedule": 86400.0},
        # Shop webhooks stored but never handed to a worker (Redis was down when they arrived).
        "shop-sweep": {"task": "crm.shops.sweep", "schedule": 60.0, "options": {"expires": 60.0}},
        # [b2c:imports] import jobs whose task was lost (no heartbeat for CRM_IMPORT_STALL_SECONDS)
        "import-requeue": {"task": "crm.imports.requeue", "schedule": 60.0, "options": {"expires": 60.0}},
        # [field] voice notes whose transcription the API could not queue
        "transcription-requeue": {"task": "crm.documents.requeue", "schedule": 60.0, "options": {"expires": 60.0}},
    },
)
