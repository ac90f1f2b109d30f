"""What a use case needs from the outside world, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from config.settings import Settings
from domain.auth import Authenticator
from domain.events import EventBus
from graph.db import Db


@dataclass
class Deps:
    settings: Settings
    db: Db
    redis: Redis
    bus: EventBus
    auth: Authenticator

    @classmethod
    def connect(cls, settings: Settings) -> Deps:
        db = Db.connect(settings)
        redis = Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=10)
        bus = EventBus(Redis.from_url(settings.redis_url), settings.changes_retention)
        return cls(settings, db, redis, bus, Authenticator(db, settings, redis))

    async def close(self) -> None:
        await self.bus.close()
        await self.redis.aclose()
        await self.db.close()
