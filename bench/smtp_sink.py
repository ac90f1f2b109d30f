"""A discarding SMTP server for the mailing bench, lean enough not to be what limits a sender: plain asyncio
(no per-command objects), answers EHLO/HELO, MAIL, RCPT, DATA (reads up to the lone dot), RSET, NOOP and QUIT, and
counts the messages it accepted. It offers PIPELINING (RFC 2920: it reads commands one after another from whatever
arrived, as relays such as Postfix, Exim or Mailpit do; smtplib never pipelines, the CRM's transport does) and not
SIZE.

    .venv/bin/python bench/smtp_sink.py --port 2525
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

END = b"\r\n.\r\n"


class Session(asyncio.Protocol):
    accepted = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""
        self.in_data = False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        write = self.transport.write
        while buffer:
            if self.in_data:
                end = buffer.find(END)
                if end < 0:
                    self.buffer = buffer[-4:] if len(buffer) > 4 else buffer  # keep what may start the end mark
                    return
                buffer = buffer[end + len(END) :]
                self.in_data = False
                Session.accepted += 1
                write(b"250 2.0.0 accepted\r\n")
                continue
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                break
            verb = buffer[:4].upper()
            buffer = buffer[line_end + 2 :]
            if verb == b"DATA":
                self.in_data = True
                # the end mark may follow the empty message's first CRLF: let the search see it
                buffer = b"\r\n" + buffer
                write(b"354 go ahead\r\n")
            elif verb == b"EHLO":
                write(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"QUIT":
                write(b"221 bye\r\n")
                self.transport.close()
                return
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP", b"HELO"):
                write(b"250 OK\r\n")
            else:
                write(b"502 not implemented\r\n")
        self.buffer = buffer


async def serve(host: str, port: int, ready: Any = None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Session, host, port, reuse_address=True)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


def run(port: int, ready: Any = None, host: str = "127.0.0.1") -> None:
    asyncio.run(serve(host, port, ready))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=2525)
    run(parser.parse_args().port)
