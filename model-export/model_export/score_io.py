"""Reading `score`'s inputs (CSV, Parquet: a file, a folder or a glob of them) and writing its outputs atomically.

CSV cells are read as text, exactly as written (no type guessing, no NA values: "007" stays
"007", "NA" stays "NA"), with the header cleaned as the app shows it (download_format.clean_header),
so the labelled file keeps every original cell. The local engine and the Ray engine read with the
same pyarrow options. An output appears under its final name only once complete (written beside
it, then renamed), so a rerun can skip every output that exists.
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from model_export.download_format import BOM, NEWLINE, clean_header, csv_row
from model_export.errors import ExportError

INPUT_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
# Output name of an input, as the app names its download (export.ts exportFileName): "<name>-labelled.csv".
LABELLED_SUFFIX = "-labelled"
# What an output is called while it is being written.
PARTIAL_SUFFIX = ".partial"
# Rows per batch read by the local engine (and the progress bar's step).
READ_ROWS = 1024
_CSV_BLOCK_BYTES = 1 << 22


@dataclass(frozen=True)
class InputFile:
    """One input file, its kind, its raw header (CSV) and the cleaned header the output keeps."""

    path: Path
    kind: str
    raw_header: tuple[str, ...]
    header: tuple[str, ...]

    def output_name(self, output_format: str, parts: bool = False) -> str:
        """`<stem>-labelled.<format>`, or the folder `<stem>-labelled` of a Ray run's parts."""
        return f"{self.path.stem}{LABELLED_SUFFIX}" + ("" if parts else f".{output_format}")


def _kind(path: Path) -> str | None:
    return INPUT_SUFFIXES.get(path.suffix.lower())


def find_inputs(spec: str) -> list[Path]:
    """The CSV and Parquet files `spec` names (a file, a folder's files, or a glob), sorted; ExportError when none."""
    p = Path(spec)
    if p.is_file():
        if _kind(p) is None:
            raise ExportError(f"--input {spec}: not a .csv or .parquet file")
        return [p]
    if p.is_dir():
        found = sorted(f for f in p.iterdir() if f.is_file() and _kind(f))
        where = f"the folder {spec}"
    else:
        found = sorted(Path(f) for f in glob.glob(spec, recursive=True) if Path(f).is_file() and _kind(Path(f)))
        where = f"the pattern {spec}"
    if not found:
        raise ExportError(f"--input: {where} matches no .csv or .parquet file")
    stems = [f.stem for f in found]
    twice = sorted({s for s in stems if stems.count(s) > 1})
    if twice:
        raise ExportError(f"--input: several files are called {twice} (outputs are named after the file); rename them")
    return found


def _csv_raw_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            row = next(csv.reader(f), None)
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path} is not UTF-8 text ({exc}); save it as CSV UTF-8 first") from exc
    if not row:
        raise ExportError(f"{path} has no header row. A CSV needs a header row and rows of text below it.")
    return row


def open_input(path: Path, text_column: str) -> InputFile:
    """The input's header, checked to hold `text_column`; ExportError names the columns it has."""
    kind = _kind(path)
    if kind == "csv":
        raw = _csv_raw_header(path)
    else:
        try:
            raw = pq.read_schema(path).names
        except (pa.ArrowException, OSError) as exc:
            raise ExportError(f"{path} is not a readable Parquet file ({exc})") from exc
    header = clean_header(raw)
    if text_column not in header:
        raise ExportError(f"{path.name} has no column '{text_column}' (its columns: {', '.join(header)}); "
                          "pass --text-column with the column that holds the text")
    return InputFile(path=path, kind=kind or "", raw_header=tuple(raw), header=tuple(header))


def csv_read_args(inp: InputFile) -> dict[str, Any]:
    """pyarrow.csv options that read every cell as the text it is, under placeholder names (the header row skipped)."""
    names = [f"c{i}" for i in range(len(inp.raw_header))]
    return {
        "read_options": pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_CSV_BLOCK_BYTES),
        "parse_options": pacsv.ParseOptions(newlines_in_values=True),
        "convert_options": pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
    }


def with_header(batch: pa.Table | pa.RecordBatch, inp: InputFile) -> pa.Table:
    """A read batch under the input's cleaned header."""
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    return table.rename_columns(list(inp.header))


def read_batches(inp: InputFile, rows: int = READ_ROWS) -> Iterator[pa.Table]:
    """The input's rows in order, `rows` at a time, under its cleaned header."""
    try:
        if inp.kind == "csv":
            with pacsv.open_csv(inp.path, **csv_read_args(inp)) as reader:
                pending: list[pa.RecordBatch] = []
                count = 0
                for rb in reader:
                    pending.append(rb)
                    count += rb.num_rows
                    while count >= rows:
                        table = pa.Table.from_batches(pending)
                        yield with_header(table.slice(0, rows), inp)
                        rest = table.slice(rows)
                        pending, count = rest.to_batches(), rest.num_rows
                if count:
                    yield with_header(pa.Table.from_batches(pending), inp)
        else:
            for rb in pq.ParquetFile(inp.path).iter_batches(batch_size=rows):
                yield with_header(rb, inp)
    except pa.ArrowInvalid as exc:
        raise ExportError(f"{inp.path} cannot be read: {exc}. Fix the file (every row needs as many cells as the "
                          "header; quotes must be closed) and run again") from exc


def count_rows(inp: InputFile) -> int | None:
    """Rows of a Parquet input (its metadata says); None for a CSV, which would have to be read twice."""
    return pq.ParquetFile(inp.path).metadata.num_rows if inp.kind == "parquet" else None


class AtomicOutput:
    """Writes batches of labelled rows to `<final>.partial`, renamed to `final` on `commit` only.

    csv: the app's download bytes (byte-order mark, papaparse quoting, CRLF between rows, none after
    the last); parquet: one file with the batches' schema.
    """

    def __init__(self, final: Path, output_format: str) -> None:
        self.final = final
        self.tmp = final.with_name(final.name + PARTIAL_SUFFIX)
        self.format = output_format
        self._text = None if output_format != "csv" else self.tmp.open("w", encoding="utf-8", newline="")
        self._parquet: pq.ParquetWriter | None = None
        self._header_done = False

    def write(self, table: pa.Table) -> None:
        if self._text is not None:
            if not self._header_done:
                self._text.write(BOM + csv_row(table.column_names))
                self._header_done = True
            for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True):
                self._text.write(NEWLINE + csv_row(row))
        else:
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.tmp, table.schema)
            self._parquet.write_table(table)

    def commit(self) -> None:
        self.close()
        os.replace(self.tmp, self.final)

    def close(self) -> None:
        if self._text is not None and not self._text.closed:
            self._text.close()
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
