"""Where each SMTP connection of a mailing stands, in Redis: what makes "exactly one mail per recipient and run"
cheap. A page of recipients is claimed in Neo4j with one write (deliveries SENDING, each with a claim id, a lane =
SMTP connection and a sequence number in that lane) and settled with one write; in between, before each message
goes out, its lane's pointer moves in Redis (one round trip, no Neo4j write per message).

Per claim: `crm:mail:lease:<claim>` (exists while its worker lives: every move renews it for `lease_ms`) and the hash
`crm:mail:journal:<claim>` with `v` (the journal exists) and, per lane, `l<lane>` = 2*seq+1 (message `seq` is being
sent: the ones before it are done) or 2*seq (the ones before `seq` are done, `seq` itself was not sent), plus
`b<lane>.<seq>` = reason for a message the relay refused permanently (BOUNCED).

A move happens only while the lease exists (one Lua script, atomic), and a lease never comes back once it expired.
So when the lease is gone, the journal is final: no message of that claim goes out any more, and what the journal
says is what happened, but for the one message per lane whose pointer is odd (the window SMTP leaves: it may or may
not have been taken). `fate` reads it.
"""

from __future__ import annotations

from typing import Any

import redis

PREFIX = "crm:mail:"
JOURNAL_TTL = 7 * 86400  # seconds a claim's journal is kept when its owner never settled it

MOVE = """
if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('hset', KEYS[2], unpack(ARGV, 2))
redis.call('pexpire', KEYS[1], ARGV[1])
return 1
"""
# The journal of a claim whose lease is gone (nil while it lives; an empty list when the journal was lost).
TAKE = """
if redis.call('exists', KEYS[1]) == 1 then return false end
return redis.call('hgetall', KEYS[2])
"""


def keys(claim: str) -> list[str]:
    return [f"{PREFIX}lease:{claim}", f"{PREFIX}journal:{claim}"]


class Journal:
    """The lanes' pointers (a sync Redis client: the lanes are threads, each with a connection of its own)."""

    def __init__(self, client: redis.Redis, lease_ms: int) -> None:
        self.client = client
        self.lease_ms = lease_ms
        self._move = client.register_script(MOVE)
        self._take = client.register_script(TAKE)
        self._loaded = False
        self._connections: dict[int, Any] = {}

    def begin(self, claim: str) -> None:
        """Before the claim is written: its lease and an empty journal."""
        if not self._loaded:
            self.client.script_load(MOVE)  # the lanes call it by its SHA
            self._loaded = True
        lease, journal = keys(claim)
        pipe = self.client.pipeline(transaction=True)
        pipe.set(lease, 1, px=self.lease_ms)
        pipe.hset(journal, "v", 1)
        pipe.expire(journal, JOURNAL_TTL)
        pipe.execute()

    def lane(self, claim: str, lane: int) -> LaneLog:
        """The pointer of one lane of a claim, moved over that lane's own connection (one thread per lane)."""
        connection = self._connections.get(lane)
        if connection is None:
            connection = self._connections[lane] = self.client.connection_pool.get_connection()
        return LaneLog(self, connection, claim, lane)

    def move(self, claim: str, lane: int, value: int, **extra: str) -> bool:
        """Moves the lane's pointer (and records `extra` fields); False when the lease is gone (send nothing more)."""
        args: list[Any] = [self.lease_ms, f"l{lane}", value]
        for name, text in extra.items():
            args += [name, text]
        return bool(self._move(keys=keys(claim), args=args))

    def end(self, claim: str) -> None:
        """After the claim was settled in Neo4j."""
        self.client.delete(*keys(claim))

    def take(self, claim: str) -> dict[str, str] | None:
        """The final journal of a claim whose lease is gone, None while it lives ({} when it was lost)."""
        found = self._take(keys=keys(claim))
        if found is None:
            return None
        items = [x.decode() if isinstance(x, bytes) else str(x) for x in found]
        return dict(zip(items[::2], items[1::2], strict=True))

    def close(self) -> None:
        for connection in self._connections.values():
            self.client.connection_pool.release(connection)
        self._connections.clear()
        self.client.close()


class LaneLog:
    """One lane's pointer: a move is one EVALSHA, packed once but for the value, over the lane's connection (this is
    on the path of every message: tens of microseconds, not the client's hundred)."""

    def __init__(self, journal: Journal, connection: Any, claim: str, lane: int) -> None:
        self.journal = journal
        self.connection = connection
        self.claim = claim
        self.lane = lane
        words = [b"EVALSHA", journal._move.sha.encode(), b"2", *(k.encode() for k in keys(claim))]
        words += [str(journal.lease_ms).encode(), f"l{lane}".encode()]
        self.head = f"*{len(words) + 1}\r\n".encode() + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)

    def move(self, value: int, **extra: str) -> bool:
        if extra:
            return self.journal.move(self.claim, self.lane, value, **extra)
        text = b"%d" % value
        self.connection.send_packed_command([self.head + b"$%d\r\n%s\r\n" % (len(text), text)], check_health=False)
        return bool(self.connection.read_response())


def bounce_field(lane: int, seq: int) -> str:
    return f"b{lane}.{seq}"


def fate(journal: dict[str, str], lane: int | None, seq: int | None) -> str:
    """What happened to the message `seq` of `lane` by a final journal: SENT, BOUNCED, DOUBT (it may have been taken:
    not sent again) or UNSENT (certainly not sent: it is sent again). A lost journal makes every message DOUBT."""
    if "v" not in journal or lane is None or seq is None:
        return "DOUBT"
    pointer = journal.get(f"l{lane}")
    if pointer is None:
        return "UNSENT"
    value = int(pointer)
    if seq < value // 2:
        return "BOUNCED" if bounce_field(lane, seq) in journal else "SENT"
    if seq == value // 2 and value % 2 == 1:
        return "DOUBT"
    return "UNSENT"
