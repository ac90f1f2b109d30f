"""What a use case needs from the outside world, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from config.settings import Settings
from domain.auth import Authenticator
from domain.events import EventBus
from domain.mailer import MailTransport, TaskQueue
from domain.outbox import Outbox
from domain.storage import Storage
from graph.db import Db


@dataclass
class Deps:
    settings: Settings
    db: Db
    redis: Redis
    bus: EventBus
    auth: Authenticator
    outbox: Outbox
    # Set by the API and the workers (integrations/mail.py); None where nothing is mailed.
    mail: MailTransport | None = None
    tasks: TaskQueue | None = None
    # [field] document bytes; set by the processes that serve or transcribe documents (crm/app, workers)
    storage: Storage | None = None

    @classmethod
    def connect(cls, settings: Settings) -> Deps:
        db = Db.connect(settings)
        redis = Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=10)
        bus = EventBus(
            Redis.from_url(settings.redis_url, socket_connect_timeout=3),
            settings.changes_retention,
            settings.event_dedupe_seconds,
        )
        outbox = Outbox(db, bus)
        db.after_commit = outbox.committed
        return cls(settings, db, redis, bus, Authenticator(db, settings, redis), outbox)

    async def close(self) -> None:
        await self.outbox.close()
        await self.bus.close()
        await self.redis.aclose()
        await self.db.close()
