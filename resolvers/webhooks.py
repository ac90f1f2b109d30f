"""Subscription webhooks (thin: the use cases are domain/webhooks.py)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, OperationType, parse, validate

from domain import webhooks
from integrations.webhooks import UrlRefused, check_url
from schema.context import Info
from schema.inputs.webhooks import CreateWebhookInput
from schema.types.common import plain
from schema.types.webhooks import CreateWebhookPayload, Webhook, WebhookDelivery


async def _check_url(url: str, allow_private: bool) -> None:
    try:
        await check_url(url, allow_private)
    except UrlRefused as exc:
        raise ValueError(str(exc)) from exc


def document_error(schema: GraphQLSchema, document: str) -> str | None:
    """The validation message of a subscription document the served schema refuses; None when it is fine."""
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return f"subscriptionQuery: {exc.message}"
    errors = validate(schema, ast)
    if errors:
        return "subscriptionQuery: " + "; ".join(e.message for e in errors)
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.SUBSCRIPTION:
        return "subscriptionQuery: must hold exactly one subscription operation"
    if any(v.default_value is None for v in operations[0].variable_definitions or ()):
        return "subscriptionQuery: variables need default values (a webhook sends none)"
    return None


async def webhooks_(info: Info) -> list[Webhook]:
    return [Webhook.of(r) for r in await webhooks.webhooks(info.context.deps, info.context.who)]


async def create_webhook(info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
    schema = info._raw_info.schema
    row, secret = await webhooks.create(
        info.context.deps, info.context.who, plain(input), lambda doc: document_error(schema, doc), _check_url
    )
    return CreateWebhookPayload(webhook=Webhook.of(row), secret=secret)


async def set_webhook_active(info: Info, id: strawberry.ID, active: bool) -> Webhook:
    return Webhook.of(await webhooks.set_active(info.context.deps, info.context.who, id, active))


async def delete_webhook(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await webhooks.delete(info.context.deps, info.context.who, id))


async def retry_delivery(info: Info, delivery_id: strawberry.ID) -> WebhookDelivery:
    return WebhookDelivery.of(await webhooks.retry_delivery(info.context.deps, info.context.who, delivery_id))


async def webhook_node(info: Info, id: str) -> Webhook | None:
    row = await webhooks.get(info.context.deps, info.context.who, id)
    return Webhook.of(row) if row else None


async def delivery_node(info: Info, id: str) -> WebhookDelivery | None:
    row = await webhooks.delivery(info.context.deps, info.context.who, id)
    return WebhookDelivery.of(row) if row else None
