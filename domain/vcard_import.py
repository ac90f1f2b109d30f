"""vCards into persons: POST /imports/vcard.

Cards are matched to persons by normalised e-mail (domain/normalize.py; the card's preferred address, else its
first): a match is updated with what the card says (names, e-mail, phones, job title, city, country, tags; a
field the card lacks stays as it is), a card without a match (or without an e-mail) creates a person with
source `vcard`. Every card is checked before anything is written, and all are written in one transaction:
a bad card (no name, a phone that is no number, ...) fails the whole import, naming its `row`. At most
MAX_CARDS cards a call.
"""

from __future__ import annotations

from typing import Any

from domain import validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_email
from graph import persons as person_q
from graph import vcard_import as q
from graph.db import Tx
from integrations.office import vcard

MAX_CARDS = 1000


def _fields(card: vcard.Card) -> dict[str, Any]:
    last, first = card.last_name, card.first_name
    if not last and card.full_name:
        words = card.full_name.split()
        last, first = words[-1], first or (" ".join(words[:-1]) or None)
    data: dict[str, Any] = {
        "lastName": validate.text(last, "lastName", required=True, max_len=200),
        "firstName": validate.text(first, "firstName", max_len=200),
    }
    if card.emails:
        data["email"] = validate.email(card.emails[0])
    if card.phones:
        data["phones"] = validate.phones(card.phones[:10])
    if card.job_title:
        data["jobTitle"] = validate.text(card.job_title, "jobTitle", max_len=200)
    if card.city:
        data["city"] = validate.text(card.city, "city", max_len=200)
    if card.country:
        data["country"] = validate.text(card.country, "country", max_len=200)
    if card.tags:
        data["tags"] = validate.tags(list(dict.fromkeys(card.tags))[:20])
    return data


def parse(text: str) -> list[dict[str, Any]]:
    try:
        cards = vcard.parse(text)
    except vcard.VCardError as exc:
        raise BadInput(f"not a vCard file: {exc}", argument="body") from exc
    if not cards:
        raise BadInput("the body holds no vCard", argument="body")
    if len(cards) > MAX_CARDS:
        raise BadInput(f"at most {MAX_CARDS} cards a call", argument="body")
    rows = []
    for index, card in enumerate(cards):
        try:
            rows.append(_fields(card))
        except BadInput as exc:
            raise BadInput(f"card {index}: {exc.message}", row=index, **exc.details) from exc
    return rows


async def import_cards(deps: Deps, who: Principal, text: str) -> dict[str, Any]:
    who.require(CRM_WRITERS, "import persons")
    rows = parse(text)

    async def work(tx: Tx) -> list[dict[str, str]]:
        await tx.run(q.LOCK)
        done = []
        for data in rows:
            email = normalize_email(data.get("email"))
            found = await tx.run(q.BY_EMAIL, {"email": email}) if email else []
            if found:
                current = found[0]
                person_id = str(current["id"])
                first = data["firstName"] if data.get("firstName") else current["firstName"]
                props = {key: value for key, value in data.items() if value is not None}
                await tx.run(
                    person_q.UPDATE,
                    {
                        "id": person_id,
                        "props": props,
                        "sortName": validate.sort_key(f"{data['lastName']} {first or ''}"),
                        "setLocation": False,
                        "location": None,
                        "setCompany": False,
                        "companyId": None,
                        "setUnit": False,
                        "unitId": None,
                        "setOwner": False,
                        "ownerId": None,
                    },
                )
                emit(tx, "PERSON", person_id, "UPDATED", props.keys(), who.user_id)
                done.append({"id": person_id, "action": "UPDATED"})
                continue
            person_id = new_id("Person")
            params: dict[str, Any] = {key: data.get(key) for key in ("firstName", "lastName", "email", "jobTitle")}
            params.update(
                id=person_id,
                sortName=validate.sort_key(f"{data['lastName']} {data.get('firstName') or ''}"),
                phones=data.get("phones") or [],
                tags=data.get("tags") or [],
                city=data.get("city"),
                country=data.get("country"),
                source="vcard",
                location=None,
                companyId=None,
                unitId=None,
                ownerId=None,
            )
            await tx.run(person_q.CREATE, params)
            emit(tx, "PERSON", person_id, "CREATED", [k for k, v in data.items() if v is not None], who.user_id)
            done.append({"id": person_id, "action": "CREATED"})
        return done

    done = await deps.db.transaction(work)
    return {
        "created": sum(1 for item in done if item["action"] == "CREATED"),
        "updated": sum(1 for item in done if item["action"] == "UPDATED"),
        "persons": done,
    }
