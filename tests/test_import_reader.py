"""The import job's reader: a large file is parsed in a child process, a small one in a thread, with the same
batches, offsets and row numbers either way, from any committed offset."""

from __future__ import annotations

from pathlib import Path

from domain import imports

COLUMNS = ["firstName", "lastName", "email", "phone", "tags"]


def contacts(path: Path, rows: int) -> None:
    lines = [",".join(COLUMNS)]
    for i in range(rows):
        if i % 100 == 3:
            lines.append(f"Bad,Row{i},not-an-address,,")
        else:
            lines.append(f'F{i},"L{i}, Jr",p{i}@example.com,+49 30 {1000000 + i},t{i % 3};all')
    path.write_text("\n".join(lines) + "\n")


async def read_all(path: Path, offset: int, row: int, in_process: bool) -> list[tuple[list[int], list[str], int, int]]:
    """(row numbers, errors, offset, next row) of every batch of 250 rows, the reader one batch ahead."""
    original = imports.PROCESS_MIN_BYTES
    imports.PROCESS_MIN_BYTES = -1 if in_process else 1 << 40
    try:
        reader = imports.BatchReader(str(path), offset, row, COLUMNS, "EMAIL", 250)
    finally:
        imports.PROCESS_MIN_BYTES = original
    assert reader.in_process == in_process
    out = []
    reader.start()
    try:
        while True:
            batch, end, next_row = await reader.next()
            if batch.processed == 0:
                break
            reader.start()
            out.append(([r["number"] for r in batch.rows], [str(e["message"]) for e in batch.errors], end, next_row))
    finally:
        await reader.close()
    return out


async def test_a_child_process_reads_the_same_batches_as_a_thread(tmp_path: Path) -> None:
    # given a file of 1,000 contacts, ten of them invalid, and the offset after its first batch
    path = tmp_path / "contacts.csv"
    contacts(path, 1_000)
    header = imports.read_header(str(path))
    assert not isinstance(header, str)
    # when it is read in a child process and in a thread, from the header and from a batch's end on
    in_process = await read_all(path, header[1], 2, in_process=True)
    in_thread = await read_all(path, header[1], 2, in_process=False)
    _, _, offset, row = in_thread[0]
    resumed = await read_all(path, offset, row, in_process=True)
    # then both give the same batches, offsets and row numbers, and a resumed reader the rest of them
    assert in_process == in_thread
    assert [len(rows) + len(errors) for rows, errors, _, _ in in_thread] == [250, 250, 250, 250]
    assert sum(len(errors) for _, errors, _, _ in in_thread) == 10
    assert in_thread[-1][2:] == (path.stat().st_size, 1_002)
    assert resumed == in_thread[1:]
