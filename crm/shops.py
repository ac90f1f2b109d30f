"""POST /webhooks/shop/shopify and /webhooks/shop/woocommerce: verify, store, hand to a worker, answer 200.

401 for a bad or missing signature (nothing written), 400 for a verified body that is no order, 200 otherwise:
`{"status": "accepted" | "duplicate" | "ignored" | "ping"}`. The answer follows the durable write; the task is
queued after it is sent, and one that could not be queued (Redis down) is handed out by the beat (`crm.shops.sweep`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm.exports import error
from domain import shops
from domain.deps import Deps
from domain.errors import CrmError
from workers.tasks import process_shop_delivery

log = logging.getLogger("crm.shops")
# WooCommerce checks a new webhook's URL with an unsigned form post `webhook_id=<n>`; it must answer 2xx.
WOO_PING = re.compile(rb"^webhook_id=\d+$")
HEADERS = {
    "shopify": ("x-shopify-shop-domain", "x-shopify-topic", "x-shopify-webhook-id", "x-shopify-hmac-sha256"),
    "woocommerce": ("x-wc-webhook-source", "x-wc-webhook-topic", "x-wc-webhook-delivery-id", "x-wc-webhook-signature"),
}


async def enqueue(key: str) -> None:
    """Runs after the answer is sent; a failure leaves the stored delivery to the beat's sweep."""
    try:
        await asyncio.to_thread(process_shop_delivery.delay, key)
    except Exception:
        log.warning("could not queue shop delivery %s; the sweep will", key, exc_info=True)


def endpoint(deps: Deps, platform: str) -> Callable[[Request], Awaitable[Response]]:
    shop_h, topic_h, id_h, signature_h = HEADERS[platform]

    async def receive(request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get(signature_h)
        if platform == "woocommerce" and signature is None and WOO_PING.match(body):
            return JSONResponse({"status": "ping"})
        delivery = shops.Delivery(
            platform,
            request.headers.get(shop_h),
            request.headers.get(topic_h),
            request.headers.get(id_h),
            signature,
            body,
        )
        try:
            received = await shops.receive(deps, delivery)
        except CrmError as exc:
            return error(exc)
        if received.status == "accepted" and received.key is not None:
            return JSONResponse({"status": received.status}, background=BackgroundTask(enqueue, received.key))
        return JSONResponse({"status": received.status})

    return receive


def routes(deps: Deps) -> list[Route]:
    return [Route(f"/webhooks/shop/{name}", endpoint(deps, name), methods=["POST"]) for name in HEADERS]
