"""The root types and the schema object."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers import audit as audit_r
from resolvers import b2b, core, field, integrations, mail, sales, service
from resolvers import campaigns as campaigns_r
from resolvers import forecast as forecasting
from resolvers import imports as imports_r
from resolvers import leads as leads_r
from resolvers import orders as orders_r
from resolvers import projects as projects_r
from resolvers import segments as segments_r
from resolvers import webhooks as webhooks_r
from schema.compiled import read_field
from schema.errors import RequestPipeline, classify
from schema.executor import LeanExecutor
from schema.permissions import ADMIN, AUTHED, IsAdminOrIntegration, IsAuthenticated
from schema.scalars import OVERRIDES


def q(resolver: Callable[..., Any], description: str | None = None) -> Any:
    return strawberry.field(resolver=resolver, permission_classes=AUTHED, description=description)


def m(resolver: Callable[..., Any], description: str | None = None) -> Any:
    return strawberry.mutation(resolver=resolver, permission_classes=AUTHED, description=description)


@strawberry.type
class Query:
    # [core]
    server_info = strawberry.field(resolver=core.server_info, description="Version and the API sections served.")
    me = q(core.me)
    node = q(core.node)
    users = q(core.users_)
    api_keys = q(core.api_keys)
    company = q(core.company)
    companies = q(core.companies_)
    company_by_external_id = q(core.company_by_external_id)
    person = q(core.person)
    persons = q(core.persons_)
    person_by_external_id = q(core.person_by_external_id)
    search = q(
        core.search,
        "Full-text search over people, companies, opportunities, leads, tickets, projects and documents (names, transcripts of voice notes), best match first.",
    )
    # [b2b]
    buying_center = q(b2b.buying_center, "Same as Opportunity.buyingCenter; null when the opportunity is unknown.")
    influence_paths = q(
        b2b.influence_paths,
        "Influence chains from one person to another, shortest first, then by the product of strengths "
        "(a missing strength counts 0.5); INFLUENCES is followed in its direction only, REPORTS_TO and KNOWS "
        "both ways (managers and their reports, acquaintances, sway each other); no person twice in a chain; "
        "maxHops 1..6.",
    )
    introduction_paths = q(
        b2b.introduction_paths,
        "Warm introductions: colleagues who know someone connected (by any relation, both ways) to the target, "
        "shortest first, ties by the product of strengths; one path per colleague; hops counts the "
        "colleague's own acquaintance as the first hop; maxHops 1..6.",
    )
    org_chart = q(
        b2b.org_chart,
        "The REPORTS_TO tree of the company's people, depth first; people whose chain runs into a cycle "
        "are listed as tops.",
    )
    # [sales]
    opportunity = q(sales.opportunity)
    opportunities = q(sales.opportunities_)
    lead = q(leads_r.lead)
    leads = q(leads_r.leads_)
    pipeline = q(
        forecasting.pipeline, "Open and closed business per stage in one currency (amounts are never converted)."
    )
    forecast = q(
        forecasting.forecast_,
        "Per month or quarter: open and weighted amounts by expected close date, won amounts by the day the "
        "deal was won, targets and attainment.",
    )
    target_status = q(forecasting.target_status, "Targets of the period (of one user, or of everyone who has one).")
    # [service]
    skills = q(service.skills)
    ticket = q(service.ticket)
    tickets = q(service.tickets_)
    tickets_to_schedule = q(service.tickets_to_schedule, "Open, unassigned tickets, most urgent first.")
    ticket_candidates = q(
        service.ticket_candidates,
        "Technicians who hold every required skill at the minimum level and are free inside the window for the "
        "estimated duration, best first.",
    )
    # [mobile]
    caller_lookup = q(
        service.caller_lookup, "Every person or company reachable under this number, in any notation; empty when none."
    )
    nearby = q(field.nearby, "Companies and people within radiusKm (at most 200), nearest first.")
    plan_route = q(
        field.plan_route,
        "At most 25 stops, ordered by nearest neighbour then improved by 2-opt; great-circle distances.",
    )
    # [b2c:segments]
    campaign = q(campaigns_r.campaign)
    campaigns = q(campaigns_r.campaigns_, "Newest first; totalCount only when selected.")
    event = q(campaigns_r.event)
    events = q(campaigns_r.events_, "In time order (startsAt, then id).")
    materials = q(campaigns_r.materials_, "By title; industry and product match case-insensitively.")
    references = q(campaigns_r.references, "Reference customers (isReference), by name; industry case-insensitive.")
    segment = q(segments_r.segment)
    segments = q(segments_r.segments_, "By name.")
    segment_size = q(segments_r.segment_size_of_rule, "Size of an ad-hoc rule without saving it.")

    # [b2c:mail]
    mailing = q(mail.mailing)

    # [b2c:imports]
    import_job = q(imports_r.import_job)

    # [field:projects]
    project = q(projects_r.project)
    projects = q(projects_r.projects_, "Newest first; of one company and/or one status.")
    document = q(projects_r.document, "Null when unknown or not visible to the caller.")

    # [integrations:webhooks]
    webhooks = q(webhooks_r.webhooks_, "Subscription webhooks (ADMIN and INTEGRATION).")

    # [integrations]
    changes = q(
        integrations.changes_,
        "Change feed for catching up after a disconnect: events after the cursor, oldest first.",
    )
    # [integrations:exports]
    audit_trail = strawberry.field(
        resolver=audit_r.audit_trail,
        permission_classes=ADMIN,
        description="Exports and imports, newest first (ADMIN only); `after` is an entry's cursor.",
    )


@strawberry.type
class Mutation:
    # [core]
    login = strawberry.mutation(resolver=core.login)
    create_user = strawberry.mutation(resolver=core.create_user, permission_classes=ADMIN)
    update_user = m(core.update_user)
    create_api_key = strawberry.mutation(
        resolver=core.create_api_key, permission_classes=ADMIN, description="A key's role may not exceed its creator's."
    )
    revoke_api_key = m(core.revoke_api_key)
    create_company = m(core.create_company)
    update_company = m(core.update_company)
    delete_company = m(core.delete_company)
    create_unit = m(core.create_unit)
    update_unit = m(core.update_unit)
    delete_unit = m(core.delete_unit)
    create_person = m(core.create_person)
    update_person = m(core.update_person)
    delete_person = m(core.delete_person)
    erase_person = m(core.erase_person, "GDPR erasure: removes personal data and links, keeps anonymous aggregates.")
    # [b2b]
    relate_persons = m(b2b.relate_persons)
    unrelate_persons = m(b2b.unrelate_persons)
    record_acquaintance = m(
        b2b.record_acquaintance, "Colleague (user) knows an external person; feeds introductionPaths."
    )
    set_buying_role = m(
        b2b.set_buying_role, "Sets the person's roles; attitude null keeps the current one (UNKNOWN for a new member)."
    )
    remove_from_buying_center = m(b2b.remove_from_buying_center)
    # [sales]
    create_opportunity = m(sales.create_opportunity)
    update_opportunity = m(sales.update_opportunity)
    log_activity = m(sales.log_activity)
    run_opportunity_monitor = m(
        sales.run_opportunity_monitor,
        "Runs opportunity monitoring now (it also runs on a schedule); returns the number of new alerts.",
    )
    acknowledge_alert = m(sales.acknowledge_alert)
    create_lead = m(leads_r.create_lead)
    update_lead = m(leads_r.update_lead)
    log_qualification_attempt = m(leads_r.log_qualification_attempt)
    disqualify_lead = m(leads_r.disqualify_lead)
    convert_lead = m(leads_r.convert_lead)
    upsert_companies = m(integrations.upsert_companies, "At most 1,000 rows a call; idempotent on external id.")
    upsert_persons = m(
        integrations.upsert_persons,
        "At most 1,000 rows a call; idempotent on external id; companyExternalId must name a known company.",
    )
    # [service]
    set_skills = m(service.set_skills)
    set_availability = m(service.set_availability, "Replaces the user's future slots (touching slots are merged).")
    rotate_calendar_token = m(
        service.rotate_calendar_token,
        "A new feed token for GET /calendar/{userId}.ics?token=... (the old one stops working); shown once.",
    )
    create_ticket = m(service.create_ticket)
    update_ticket = m(service.update_ticket)
    assign_ticket = m(service.assign_ticket)
    unassign_ticket = m(service.unassign_ticket)
    auto_assign_ticket = m(
        service.auto_assign_ticket,
        "Assigns the best candidate in the window; returns the ticket unassigned when nobody fits.",
    )
    update_ticket_status = m(service.update_ticket_status)
    set_target = m(forecasting.set_target, "ADMIN and SALES_MANAGER; one target per user, period and currency.")
    # [b2c:segments]
    create_campaign = m(campaigns_r.create_campaign)
    update_campaign = m(
        campaigns_r.update_campaign,
        "PLANNED -> ACTIVE -> COMPLETED, PLANNED or ACTIVE -> CANCELLED; any other status change is CONFLICT.",
    )
    create_event = m(campaigns_r.create_event)
    register_participant = m(
        campaigns_r.register_participant,
        "Idempotent per person; REGISTERED -> ATTENDED or CANCELLED, CANCELLED -> REGISTERED or ATTENDED; "
        "ATTENDED is final (CONFLICT).",
    )
    create_material = m(campaigns_r.create_material, "ADMIN, SALES_MANAGER, MARKETING, INTEGRATION.")
    delete_material = m(campaigns_r.delete_material, "ADMIN, SALES_MANAGER, MARKETING, INTEGRATION.")
    create_segment = m(segments_r.create_segment)
    update_segment = m(segments_r.update_segment)
    delete_segment = m(
        segments_r.delete_segment, "CONFLICT while a mailing sends to the segment or another segment includes it."
    )
    bulk_update_persons = m(
        segments_r.bulk_update_persons,
        "Patches every person a rule matches; expectedCount guards against surprises (CONFLICT when the match "
        "count differs, and nothing is written). Runs in batches of 5,000 persons, each its own transaction.",
    )

    # [b2c:mail]
    # No permission class: its argument `source` collides with the permission extension's own parameter; the
    # use case checks the caller (unauthenticated -> UNAUTHENTICATED) itself.
    request_consent = strawberry.mutation(
        resolver=mail.request_consent,
        description="Starts double opt-in: consent PENDING and a confirmation mail with a signed link.",
    )
    record_consent = m(
        mail.record_consent, "Records consent given elsewhere (paper form, shop checkout); evidence says where."
    )
    revoke_consent = m(mail.revoke_consent)
    confirm_consent = strawberry.mutation(
        resolver=mail.confirm_consent,
        description="Public (no bearer token): the token from the confirmation link. True once per link; false "
        "when the link was used before or a newer request or a revocation made it void.",
    )
    unsubscribe = strawberry.mutation(
        resolver=mail.unsubscribe_, description="Public (no bearer token): the token from a mail's unsubscribe link."
    )
    create_mailing = m(mail.create_mailing)
    update_mailing = m(mail.update_mailing, "Not while SENDING (CONFLICT); the next run is computed anew.")
    send_mailing = m(mail.send_mailing, "Sends now, in the background; progress shows on the mailing.")
    pause_mailing = m(mail.pause_mailing, "Stops a running run before its next chunk; sendMailing resumes it.")

    # [b2c:imports]
    import_contacts = m(
        imports_r.import_contacts,
        "Bulk import of contacts from CSV text up to 10 MB (header row; columns firstName,lastName,email,phone,city,"
        "country,tags,...); larger files go through the HTTP upload endpoint.",
    )
    upsert_orders = m(
        orders_r.upsert_orders,
        "At most 1,000 rows a call; idempotent on the order's external id (an unchanged order writes nothing); "
        "the customer is matched by external id, then by e-mail, else created.",
    )

    # [field:projects]
    create_project = m(projects_r.create_project)
    update_project = m(projects_r.update_project)
    attach_document = m(
        projects_r.attach_document,
        "Links an uploaded document to a project, ticket, company or activity (exactly one).",
    )
    delete_document = m(projects_r.delete_document, "Removes the bytes and the node; the uploader or an ADMIN.")

    # [integrations:webhooks]
    create_webhook = m(
        webhooks_r.create_webhook,
        "The subscription document is validated now; it runs per event with the creator's permissions. "
        "The secret is shown once.",
    )
    set_webhook_active = m(webhooks_r.set_webhook_active)
    delete_webhook = m(webhooks_r.delete_webhook)
    retry_delivery = m(webhooks_r.retry_delivery, "Replays a failed delivery now.")


@strawberry.type
class Subscription:
    opportunity_changed = strawberry.subscription(
        resolver=integrations.opportunity_changed,
        permission_classes=[IsAuthenticated],
        description="Changes of one opportunity or of one owner's (all when both absent); previousStage on a stage change.",
    )
    lead_created = strawberry.subscription(resolver=integrations.lead_created, permission_classes=[IsAuthenticated])
    ticket_changed = strawberry.subscription(
        resolver=service.ticket_changed,
        permission_classes=[IsAuthenticated],
        description="Changes of one ticket or of one assignee's tickets (all when both absent), from every API process.",
    )
    # [b2c:imports]
    import_progress = strawberry.subscription(
        resolver=imports_r.import_progress,
        permission_classes=[IsAuthenticated],
        description="The job now and after every batch until it ends (the last event is COMPLETED or FAILED).",
    )

    entity_changed = strawberry.subscription(
        resolver=integrations.entity_changed,
        permission_classes=[IsAuthenticated, IsAdminOrIntegration],
        description="Every create/update/delete of the given types (all when absent); ADMIN and INTEGRATION only.",
    )


class CrmSchema(strawberry.Schema):
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Subscriptions run over the WebSocket only (`subscribe`); over plain HTTP they are a bad request."""
        allowed = set(allowed_operation_types or (OperationType.QUERY, OperationType.MUTATION))
        allowed.discard(OperationType.SUBSCRIPTION)
        return await super().execute(
            query, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
        )

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Every error gets its code here (also those of a failed parse, which bypass the extensions' hooks);
        domain errors are the caller's business, only unexpected ones are logged (by classify)."""
        for error in errors:
            classify(error)


# Validation rules are built once: fresh rule classes per request would defeat the validation cache.
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=50).validation_rules,
)


def build_schema(lean: bool = True) -> strawberry.Schema:
    """`lean`: complete compiled dicts with schema.executor.LeanExecutor (False: graphql-core's stock executor)."""
    return CrmSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides=OVERRIDES,
        execution_context_class=LeanExecutor if lean else None,
        # Compiled reads are plain dicts: fields without a resolver read them by key.
        config=StrawberryConfig(default_resolver=read_field),
        extensions=[lambda: RequestPipeline(LIMIT_RULES)],
    )
