"""Document storage adapters: local disk (default, under .data/documents) and any S3-compatible store.

Both take the bytes in chunks as they arrive and never hold a whole file in memory: the disk adapter
writes a temporary file beside the final one and renames it on commit; the S3 adapter sends parts of
8 MiB (a multipart upload; a smaller file is one PUT). boto3 is synchronous: every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from config.settings import Settings
from domain.storage import Storage, Writer

READ_CHUNK = 256 * 1024
PART_BYTES = 8 * 1024 * 1024  # S3 parts are at least 5 MiB (but the last)


class LocalStorage:
    name = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not key or "/" in key or key.startswith("."):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key[-2:] / key

    async def writer(self, key: str) -> Writer:
        final = self.path(key)
        await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
        temp = final.with_name(f".{key}.{uuid.uuid4().hex}.part")
        handle = await asyncio.to_thread(open, temp, "wb")
        return _LocalWriter(handle, temp, final)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(open, self.path(key), "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self.path(key).unlink)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).exists)


class _LocalWriter:
    def __init__(self, handle: IO[bytes], temp: Path, final: Path) -> None:
        self.handle, self.temp, self.final = handle, temp, final

    async def write(self, chunk: bytes) -> None:
        await asyncio.to_thread(self.handle.write, chunk)

    async def commit(self) -> None:
        def finish() -> None:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            self.temp.replace(self.final)

        await asyncio.to_thread(finish)

    async def abort(self) -> None:
        def drop() -> None:
            self.handle.close()
            self.temp.unlink(missing_ok=True)

        await asyncio.to_thread(drop)


class S3Storage:
    name = "s3"

    def __init__(self, endpoint: str, bucket: str, region: str, access_key: str, secret_key: str) -> None:
        import boto3

        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            region_name=region,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
        )

    async def writer(self, key: str) -> Writer:
        return _S3Writer(self.client, self.bucket, key)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        response = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, READ_CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError:
            return False
        return True


class _S3Writer:
    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    async def _send_part(self, data: bytes) -> None:
        if self.upload_id is None:
            created = await asyncio.to_thread(self.client.create_multipart_upload, Bucket=self.bucket, Key=self.key)
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        sent = await asyncio.to_thread(
            self.client.upload_part,
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
        )
        self.parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        while len(self.buffer) >= PART_BYTES:
            part = bytes(self.buffer[:PART_BYTES])
            del self.buffer[:PART_BYTES]
            await self._send_part(part)

    async def commit(self) -> None:
        if self.upload_id is None:
            await asyncio.to_thread(self.client.put_object, Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer))
            return
        if self.buffer:
            await self._send_part(bytes(self.buffer))
        self.buffer.clear()
        await asyncio.to_thread(
            self.client.complete_multipart_upload,
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    async def abort(self) -> None:
        self.buffer.clear()
        if self.upload_id is not None:
            await asyncio.to_thread(
                self.client.abort_multipart_upload, Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )


def from_settings(settings: Settings) -> Storage:
    if settings.document_storage == "s3":
        return S3Storage(
            settings.s3_endpoint, settings.s3_bucket, settings.s3_region, settings.s3_access_key, settings.s3_secret_key
        )
    if settings.document_storage != "local":
        raise ValueError(f"CRM_DOCUMENT_STORAGE must be local or s3, not {settings.document_storage!r}")
    return LocalStorage(settings.document_dir)
