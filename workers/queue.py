"""The task queue the domain uses (`deps.tasks`): Celery's send_task by name, so the domain never imports tasks."""

from __future__ import annotations

from celery import Celery


class CeleryQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def send(self, name: str, args: list[object]) -> None:
        self.app.send_task(name, args=args)
