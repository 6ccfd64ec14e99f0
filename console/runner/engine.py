"""Run one execution of a flow to its end: login, read, script, mapping, write, log.

The steps overlap (see ``stages``): the ERP is read ahead, a page is in the script worker
while the one before it is mapped (unless the worker mapped it: ``Pipeline``) and made ready
to send (``Writer.prepare``), that one while the one before it is written, and row logs are
stored while the next page is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from console import tls
from console.flows import Flow, FlowsConfig
from console.kinds import kind_of
from console.kinds.row_shapes import summary
from console.omnitron import OmnitronClient, OmnitronError, RetryAttempt, RetryPolicy
from console.runner import erp
from console.runner.attributes import trigger_attributes, with_all_var
from console.runner.erp import StepError
from console.runner.ordering import NewestWins, stock_key, stock_label
from console.runner.pipeline import PageResult, Pipeline, as_rows
from console.runner.price_writer import PriceWriter, price_key
from console.runner.redact import config_redactor
from console.runner.stages import PayloadError, count_rows, payload_slices, read_ahead, run_stages
from console.runner.writers import OrderStatusWriter, StockWriter, WriteCounts, Writer
from console.script import ScriptPool
from console.store import Store
from console.store.log_batches import Item as LogItem
from console.store.log_batches import Written
from console.store.records import Execution, now

Progress = Callable[[Execution], None]
Fence = Callable[[], None]
"""Checked before each page is written; raises ``Fenced`` when this run may write no more."""
SyncSkus = Callable[[str, list[str], str], str]
"""Start a run of a stock flow for some SKUs: (flow id, SKUs, triggered by) → execution id."""
INITIAL_WINDOW = timedelta(days=1)


def _together(store: Store) -> AbstractContextManager[Any]:
    """One transaction over the calls inside it, where the store has them (PostgreSQL: a
    cluster's hosts share it); the embedded store's runs are never taken over."""
    transaction = getattr(store, "transaction", None)
    return transaction() if transaction is not None else nullcontext()


class Interrupted(Exception):
    """The runner is stopping: the execution ends at this page boundary, to run again later."""


class Fenced(Exception):
    """Another runner has taken this execution over: this run writes and records nothing more
    (the other one sends the same batches and ends the execution)."""


@dataclass
class Page:
    """One page on its way through the steps: what was read, then the rows to write, then
    what writing them gave."""

    number: int
    records: list[Any]
    rows: list[Any] = field(default_factory=list)
    read: int = 0
    attributes: dict[str, str] = field(default_factory=dict)
    data: Any = None
    """The script's output, before the mapping."""
    prepared: Any = None
    """The rows made ready to send (``Writer.prepare``)."""
    result: WriteCounts | None = None


class Engine:
    """Runs one execution; made afresh for each, so tokens learned at login stay its own."""

    def __init__(self, config: FlowsConfig, store: Store, pool: ScriptPool, *,
                 retry: RetryPolicy | None = None,
                 stopping: threading.Event | None = None, fence: Fence | None = None,
                 sync_skus: SyncSkus | None = None) -> None:
        self.config = config
        self.store = store
        self.pool = pool
        self.retry = retry or RetryPolicy()
        self.stopping = stopping
        self.fence = fence
        self.sync_skus = sync_skus
        self.redact = config_redactor(config)

    def _log(self, execution_id: str, level: str, message: str, payload: Any = None) -> None:
        self.store.log(execution_id, level, self.redact(message), payload=payload)

    def _retry_for(self, execution_id: str) -> RetryPolicy:
        def note(attempt: RetryAttempt) -> None:
            self._log(execution_id, "warning",
                      f"transient failure ({attempt.reason}); retry {attempt.attempt} "
                      f"in {attempt.delay_s:.2f} s")
        return RetryPolicy(self.retry.attempts, self.retry.base_delay, self.retry.max_delay,
                           self.retry.max_total, note)

    def run(self, execution: Execution, progress: Progress | None = None) -> Execution:
        flow = self.config.find(execution.flow_id)
        if flow is None:
            self.store.finish(execution.id, "failed", error=f"no flow {execution.flow_id!r}")
            return self._reload(execution)
        counts = WriteCounts()
        attributes: dict[str, str] = {}
        status, error, interrupted = "failed", None, False
        try:
            self._execute(flow, execution, counts, attributes, progress)
            status = _status(counts)
            if status == "success" and self._advances(execution, flow):
                self.store.set_last_request(flow.id, datetime.fromisoformat(execution.started_at))
        except Interrupted:
            self._log(execution.id, "warning", "the runner is stopping: interrupted at a page "
                                               "boundary, to run again at the next start")
            self.store.mark_interrupted([execution.id])
            interrupted = True
        except Fenced:
            raise
        except StepError as exc:
            error = self.redact(f"{exc.step}: {exc.message}")
            self._log(execution.id, "error", error)
        except OmnitronError as exc:
            error = self.redact(f"omnitron: {exc.message}")
            self._log(execution.id, "error", error)
        except Exception as exc:  # noqa: BLE001 - an execution records its failure, never crashes
            if self.fence is not None:
                self.fence()  # taken over (its store gone, say): the new runner records it
            error = self.redact(f"unexpected {type(exc).__name__}: {exc}")
            self._log(execution.id, "error", error)
        logged = {k: self.redact(v) for k, v in attributes.items() if k.startswith("log.")}
        skipped = summary(counts.problems, counts.checked if counts.checked is not None else
                          counts.succeeded + counts.failed + counts.skipped)
        if self.fence is not None:
            self.fence()
        self.store.finish(execution.id, status, error=error or skipped, attributes=logged)
        if execution.payload_id and error is None and not interrupted:
            # every row now has its log line (with the row as written); the payload would
            # only keep each row a second time
            self.store.drop_payload(execution.payload_id)
        final = self._reload(execution)
        if progress is not None:
            progress(final)
        return final

    def _reload(self, execution: Execution) -> Execution:
        found = self.store.execution(execution.id)
        assert found is not None
        return found

    @staticmethod
    def _advances(execution: Execution, flow: Flow) -> bool:
        return flow.is_inbound and execution.trigger in ("schedule", "manual") and \
            not any(execution.params.get(p) for p in ("sku", "number"))

    def _execute(self, flow: Flow, execution: Execution, counts: WriteCounts,
                 attributes: dict[str, str], progress: Progress | None) -> None:
        proxy = kind_of(flow.type).writer == "proxy_call"
        if not proxy and flow.script is not None and flow.script.source.strip():
            self.pool.prestart(flow.id)  # first: it starts while this run logs in and reads
        last = self.store.last_request(flow.id) or now() - INITIAL_WINDOW
        attrs = trigger_attributes(flow, execution.params, last, execution.id)
        retry = self._retry_for(execution.id)
        if proxy:
            self._proxy(flow, execution, attrs, counts)
            return
        omnitron = self.config.omnitron
        try:
            password = omnitron.password.resolve()
        except Exception as exc:  # noqa: BLE001
            raise StepError("login", f"Omnitron password: {exc}") from None
        with OmnitronClient(omnitron.url, omnitron.username, password, retry=retry) as client, \
                httpx.Client(timeout=30.0, verify=tls.context()) as http:
            try:
                attrs["token.omnitron"] = client.login()
            except OmnitronError as exc:
                raise StepError("login", exc.message) from None
            self.redact.add(attrs["token.omnitron"])
            if kind_of(flow.type).writer == "stock_compare":
                compare = StockCompare(self, flow, execution, attrs, progress)
                compare.run(self._pages(flow, execution, attrs, http, retry)[0], client, counts,
                            attributes)
                return
            if kind_of(flow.type).reads_omnitron_orders:
                self._export_orders(flow, execution, attrs, client, http, retry, counts,
                                    progress)
                return
            pages, transformed = self._pages(flow, execution, attrs, http, retry)
            pipeline = None if transformed else Pipeline(flow, self.pool, map_in_worker=True)
            writer = self._writer(flow, client, execution, attrs)
            read = 0
            # an earlier run of this same execution (on a host that died or was taken over)
            # logged the rows of its first records: their batches go again (Omnitron applies
            # each once), their lines are not logged twice
            logged_before = execution.records_read
            if logged_before:
                self._log(execution.id, "info", f"the rows of the first {logged_before:,} "
                          "records were logged by the earlier run: their batches are sent "
                          "again with the same ids, their lines are not logged twice")

            def script(page: Page) -> Page:
                if page.number == 0 and not transformed:
                    self.store.save_sample(execution.id, flow.id, page.records)
                if pipeline is None:
                    page.rows = page.records
                else:
                    result = PageResult(rows=[])
                    page.data = pipeline.scripted(page.records, with_all_var(attrs), result)
                    page.attributes = result.attributes
                page.read, page.records = len(page.records), []  # flat memory: rows go on
                return page

            def prepare(page: Page) -> Page:
                if pipeline is not None:
                    page.rows, page.data = as_rows(pipeline.mapped(page.data)), None
                page.prepared, page.rows = writer.prepare(page.rows, page.number), []
                return page

            def record(page: Page) -> None:
                nonlocal read
                result = page.result
                assert result is not None
                if self.fence is not None:
                    self.fence()  # a run taken over records no progress over the new one's
                read += page.read
                attributes.update(page.attributes)
                attributes.update(result.attributes)
                counts.succeeded += result.succeeded
                counts.failed += result.failed
                counts.skipped += result.skipped
                counts.problems.update(result.problems)
                counts.superseded += result.superseded
                with _together(self.store):  # logged and counted as read, or neither
                    if read > logged_before:
                        self.store.add_logs(execution.id, self._redacted(result.entries))
                    self.store.progress(execution.id, counts.succeeded + counts.failed +
                                        counts.skipped + counts.superseded, counts.succeeded,
                                        counts.failed, read, counts.skipped)
                if progress is not None:
                    progress(self._reload(execution))
                if result.stop is not None:
                    raise StepError("write", result.stop)

            # a payload's run keeps one page fewer in flight: several of them run side by
            # side in one process (up to max_active_executions), which already overlaps them
            steps: list[Callable[[Page], Any]] = \
                [lambda page: prepare(script(page))] if execution.payload_id else [script, prepare]
            run_stages((Page(number, records) for number, records in enumerate(pages)),
                       [*steps, lambda page: self._write(writer, page), record])

    def _proxy(self, flow: Flow, execution: Execution, attrs: dict[str, str],
               counts: WriteCounts) -> None:
        """An inbound proxy run: the pre-script gets no input; a log line per output row."""
        from console.runner.proxy import ProxyError, call

        try:
            answer = call(flow, None, self.pool, with_all_var(attrs),
                          retry=self._retry_for(execution.id))
        except ProxyError as exc:
            raise StepError(exc.step, exc.message) from None
        if answer.request:
            self._log(execution.id, "info", f"{answer.request['method']} {answer.request['url']}"
                                            f" answered {answer.request.get('status', '-')}")
        output = answer.output
        rows = output if isinstance(output, list) else ([] if output is None else [output])
        self.store.add_logs(execution.id, [("info", _row_key(row), self.redact(_row_text(row)), row)
                                           for row in rows])
        counts.succeeded = len(rows)
        self.store.progress(execution.id, len(rows), len(rows), 0, len(rows), 0)

    def stopped(self) -> bool:
        return self.stopping is not None and self.stopping.is_set()

    def _redacted(self, entries: list[LogItem]) -> list[LogItem]:
        """The entries with no secret in their messages (a ``Written``'s messages too)."""
        messages: list[str] = []
        for entry in entries:
            if isinstance(entry, Written):
                messages += entry.messages
            else:
                messages.append(entry[2])
        clean = self.redact.many(messages)
        if clean is messages:
            return entries
        return [entry._replace(messages=self.redact.many(entry.messages))
                if isinstance(entry, Written) else
                (entry[0], entry[1], self.redact(entry[2]), entry[3]) for entry in entries]
    def _export_orders(self, flow: Flow, execution: Execution, attrs: dict[str, str],
                       client: OmnitronClient, http: httpx.Client, retry: RetryPolicy,
                       counts: WriteCounts, progress: Progress | None) -> None:
        """The order export: every waiting order through the ERP, one log row each (see
        ``order_export``). A stopping runner ends it between two orders."""
        from console.runner.order_export import OrderExporter

        session = erp.login(http, flow.login, retry)
        if session.token:
            attrs["token.erp"] = session.token
            self.redact.add(session.token)
        exporter = OrderExporter(flow, client, http, session, self.pool, with_all_var(attrs),
                                 retry)

        def note(page: int, total: int | None) -> None:
            self._log(execution.id, "info", f"read page {page} of Omnitron's orders waiting "
                                            "for the ERP")
        orders = exporter.waiting(execution.params, note)
        self.store.expect(execution.id, len(orders))
        self.store.save_sample(execution.id, flow.id, orders)
        for order in orders:
            if self.stopped():
                raise Interrupted
            if self.fence is not None:
                self.fence()  # a run taken over sends no order the new one may send too
            outcome = exporter.run(order)
            if outcome.ok:
                counts.succeeded += 1
            else:
                counts.failed += 1
            self.store.add_logs(execution.id, [("info" if outcome.ok else "error", outcome.number,
                                                 self.redact(outcome.message), outcome.payload)])
            self.store.progress(execution.id, counts.succeeded + counts.failed, counts.succeeded,
                                counts.failed, len(orders), 0)
            if progress is not None:
                progress(self._reload(execution))
            if outcome.timed_out:
                raise StepError("write", f"order {outcome.number}: {outcome.message}; the "
                                         "orders after it were not sent")

    def _write(self, writer: Writer, page: Page) -> Page:
        """The write step: one page's rows to Omnitron, in the order the pages were read.
        A stopping runner ends the execution here, between two pages."""
        if self.stopping is not None and self.stopping.is_set():
            raise Interrupted
        if self.fence is not None:
            self.fence()
        page.result = writer.send(page.prepared)
        page.prepared = None  # the log entries keep the rows as written; these are done with
        return page

    def _pages(self, flow: Flow, execution: Execution, attrs: dict[str, str], http: httpx.Client,
               retry: RetryPolicy) -> tuple[Iterable[list[Any]], bool]:
        """The data to process, and whether it is already mapped (retries resend rows)."""
        if execution.payload_id:
            body = self.store.payload(execution.payload_id)
            if body is None:
                raise StepError("read", "the stored payload of this execution is gone")
            try:
                self.store.expect(execution.id, count_rows(body))
            except PayloadError as exc:
                raise StepError("read", str(exc)) from None
            return payload_slices(body, flow.write.batch_size), execution.trigger == "retry"
        if flow.read is None:
            raise StepError("read", "this flow has no [read] table and no payload to process")
        session = erp.login(http, flow.login, retry)
        if session.token:
            attrs["token.erp"] = session.token
            self.redact.add(session.token)
        session.on_renewal(self.redact.add)

        def note(page: int, url: str, total: int | None) -> None:
            if total is not None:
                self.store.expect(execution.id, total)
            self._log(execution.id, "info", f"read page {page} from the ERP",
                      payload={"url": self.redact(_without_secrets(url, attrs))})
        return _pages(http, flow, attrs, session, retry, note), False

    def _writer(self, flow: Flow, client: OmnitronClient, execution: Execution,
                attrs: dict[str, str]) -> Writer:
        if kind_of(flow.type).writer == "order_status":
            return OrderStatusWriter(flow, client, self.pool, with_all_var(attrs))
        resumed = execution.retry_of if execution.trigger != "retry" else None
        if kind_of(flow.type).writer == "price_bulk":
            prices = NewestWins(self.store, execution, price_key, stock_label)
            return PriceWriter(flow, client, resumed or execution.id, prices)
        order = NewestWins(self.store, execution, stock_key, stock_label)
        return StockWriter(flow, client, resumed or execution.id, order)


def _pages(http: httpx.Client, flow: Flow, attrs: dict[str, str], session: erp.ErpSession,
           retry: RetryPolicy, note: Callable[[int, str, int | None], None]
           ) -> Iterator[list[Any]]:
    scripted = flow.script is not None and bool(flow.script.source.strip())
    return read_ahead(erp.read_pages(http, flow, attrs, session, retry, on_page=note,
                                     keep_body=scripted))  # the worker reads the bytes


class StockCompare:
    """A full stock flow's execution after login: read the whole ERP stock through the
    script and mapping, read Omnitron's stock list, compare, start the stock flow for the
    SKUs that differ."""

    def __init__(self, engine: Engine, flow: Flow, execution: Execution,
                 attrs: dict[str, str], progress: Progress | None) -> None:
        self.engine = engine
        self.flow = flow
        self.execution = execution
        self.attrs = attrs
        self.progress = progress

    def run(self, pages: Iterable[list[Any]], client: OmnitronClient, counts: WriteCounts,
            attributes: dict[str, str]) -> None:
        from console.runner import full_stock

        flow, engine, execution_id = self.flow, self.engine, self.execution.id
        settings, stock_list = flow.full_stock, flow.write.stock_list
        if settings is None or stock_list is None:
            raise StepError("compare", "this flow names no stock flow or no stock list")
        erp_side = full_stock.ErpStock(stock_list)
        pipeline = Pipeline(flow, engine.pool, map_in_worker=True)
        read = 0
        for number, records in enumerate(pages):
            if engine.stopped():
                raise Interrupted
            if number == 0:
                engine.store.save_sample(execution_id, flow.id, records)
            result = pipeline.run(records, with_all_var(self.attrs))
            attributes.update(result.attributes)
            erp_side.add(result.rows)
            read += len(records)
            engine.store.progress(execution_id, 0, 0, 0, read, 0)
            if self.progress is not None:
                self.progress(engine._reload(self.execution))
        engine._log(execution_id, "info", f"{len(erp_side.stocks)} SKU(s) in the ERP's stock; "
                                          f"reading Omnitron's stock list {stock_list}")
        omnitron = full_stock.omnitron_stock(client.iter_product_stocks(
            stock_list=stock_list, page_size=full_stock.OMNITRON_PAGE_SIZE))
        found = full_stock.compare(erp_side, omnitron)
        engine.store.add_logs(execution_id, [
            (level, key, engine.redact(message), payload)
            for level, key, message, payload in full_stock.log_lines(found, settings.stock_flow)])
        skipped = sum(found.skipped.values())
        counts.succeeded, counts.skipped, counts.checked = found.compared, skipped, erp_side.rows
        counts.problems.update(found.skipped)
        engine.store.progress(execution_id, found.compared + skipped, found.compared, 0, read,
                              skipped)
        attributes.update({f"log.{name}": str(value) for name, value in found.counts().items()})
        engine._log(execution_id, "info", found.summary())
        started = self._sync(found.to_sync(), settings.stock_flow, settings.chunk_size)
        attributes["log.stock_executions"] = ",".join(started)

    def _sync(self, skus: list[str], stock_flow: str, chunk_size: int) -> list[str]:
        from console.runner.full_stock import chunks

        if not skus:
            return []
        target = self.engine.config.find(stock_flow)
        if target is None or not target.enabled:
            raise StepError("compare", f"the stock flow {stock_flow!r} is "
                                       f"{'disabled' if target else 'gone'}: the {len(skus)} "
                                       "differing SKU(s) were not synced")
        if self.engine.sync_skus is None:
            raise StepError("compare", "no runner to start the stock flow (a dry run "
                                       "compares only)")
        started = [self.engine.sync_skus(target.id, chunk,
                                         f"full stock {self.flow.id} {self.execution.id}")
                   for chunk in chunks(skus, chunk_size)]
        self.engine._log(self.execution.id, "info",
                         f"{len(skus)} SKU(s) sent to {target.id} in {len(started)} run(s): "
                         f"{', '.join(started)}")
        return started


def _row_key(row: Any) -> str | None:
    if isinstance(row, dict):
        for name in ("key", "id", "sku", "product_sku", "number"):
            if row.get(name) not in (None, ""):
                return str(row[name])
    return None


def _row_text(row: Any) -> str:
    import json

    text = json.dumps(row, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:199] + "…"


def _status(counts: WriteCounts) -> str:
    """Skipped rows make an execution partial (a mapping that drops ``stock`` is no success),
    or failed when no row was written at all."""
    if counts.failed == 0 and counts.skipped == 0:
        return "success"
    return "partial" if counts.succeeded else "failed"


def _without_secrets(url: str, attrs: dict[str, str]) -> str:
    for name in ("token.erp", "token.omnitron"):
        token = attrs.get(name)
        if token:
            url = url.replace(token, "***")
    return url
