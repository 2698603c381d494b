"""Loading many generated rows into one table, for benchmarks: COPY on PostgreSQL, batched
bulk_create elsewhere, with a progress bar. Rows are dicts keyed by field attname (``unit_id``) or
name; missing fields take their default, None when nullable, else "". Values given for
``auto_now_add`` fields are kept (bulk_create alone would stamp "now" over them)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from tqdm import tqdm


def load_rows(model, rows: Iterable[dict], *, total: int | None, desc: str, err, batch_size: int = 5000) -> int:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f.attname for f in fields if getattr(f, "auto_now_add", False)]

    def full(row: dict) -> list:
        values = []
        for f in fields:
            if f.attname in row:
                values.append(row[f.attname])
            elif f.name in row:
                values.append(row[f.name])
            elif f.has_default():
                values.append(f.get_default())
            elif f.null:
                values.append(None)
            else:
                values.append("")
        return values

    bar = tqdm(total=total, desc=desc, unit="row", file=err, leave=False)
    count = 0
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with transaction.atomic(), connection.cursor() as cursor:
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row([f.get_db_prep_save(v, connection) for f, v in zip(fields, full(row))])
                    count += 1
                    if count % 10_000 == 0:
                        bar.update(10_000)
    else:
        batch: list = []

        def flush() -> None:
            kept = [[getattr(o, name) for name in stamped] for o in batch]
            model.objects.bulk_create(batch)
            if stamped:
                for obj, values in zip(batch, kept):
                    for name, value in zip(stamped, values):
                        setattr(obj, name, value)
                model.objects.bulk_update(batch, stamped, batch_size=1000)
            bar.update(len(batch))

        for row in rows:
            batch.append(model(**{f.attname: v for f, v in zip(fields, full(row))}))
            count += 1
            if len(batch) == batch_size:
                flush()
                batch = []
        if batch:
            flush()
    bar.close()
    return count
