"""Every message the console's workers post back to the event loop, in one place.

Workers run off the event loop (in threads), call a service, and post one of these with the
data; the screen's handler renders it. A worker that fails raises: the app turns the error into
a notification (see ``base.report_worker``), so no worker posts errors by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from rich.text import Text

    from console.flows import Flow, FlowsConfig
    from console.runner.dry_run import DryRun
    from console.services.executions import FlowActivity
    from console.services.flows import FlowSummary, SavePreview
    from console.services.health import HealthReport
    from console.services.history import Version
    from console.services.oms_setup import StepRow
    from console.services.stock import StockPage
    from console.services.workbench import TestInput
    from console.store.records import Execution


class RunnerStatus(Message):
    """How the console reaches the runner, for the header; ``problem`` when it cannot."""

    def __init__(self, text: str, problem: bool = False, read_at: int = 0) -> None:
        super().__init__()
        self.text = text
        self.problem = problem
        self.read_at = read_at
        """When the runner was asked (see ``console.tui.reads``): the cluster's hosts are
        asked every few seconds, and a slow answer must not replace a newer one."""


class AlarmsFiring(Message):
    """The firing alarms, as ``Flow: alarm`` lines, read from the store by a worker."""

    def __init__(self, labels: list[str], read_at: int) -> None:
        super().__init__()
        self.labels = labels
        self.read_at = read_at
        """When the read began: overlapping reads may answer out of order."""


class HealthAtStart(Message):
    """The first health report, read by a worker as the console starts: it decides whether the
    console lands on the health screen."""

    def __init__(self, report: HealthReport, read_at: int) -> None:
        super().__init__()
        self.report = report
        self.read_at = read_at


class ConfigChanged(Message):
    """The app's flows changed (saved here, or flows.toml changed on disk)."""

    def __init__(self, config: FlowsConfig) -> None:
        super().__init__()
        self.config = config


class FlowWritten(Message):
    """A queued change reached the file (``saved``) or was refused (``problem``)."""

    def __init__(self, saved: FlowsConfig | None, problem: str | None, context: Any,
                 warning: str | None = None) -> None:
        super().__init__()
        self.saved = saved
        self.problem = problem
        self.context = context
        self.warning = warning
        """Saved, but something the user should know (no version could be kept)."""


class VersionsLoaded(Message):
    """The versions of flows.toml, newest first."""

    def __init__(self, versions: list[Version], where: str, read_at: int) -> None:
        super().__init__()
        self.versions = versions
        self.where = where
        self.read_at = read_at
        """When the read began (see ``console.tui.reads``): a read before a restore may
        answer after the one that followed it."""


class VersionDiffed(Message):
    """What changed from a version to the file now."""

    def __init__(self, version_id: str, diff: str, read_at: int) -> None:
        super().__init__()
        self.version_id = version_id
        self.diff = diff
        self.read_at = read_at
        """When the read began: a diff to the file before a restore may answer last."""


class VersionRestored(Message):
    """A restore was written (``config``, and ``version`` unless the file already said that)
    or refused (``problem``)."""

    def __init__(self, version_id: str, config: FlowsConfig | None, version: Version | None,
                 problem: str | None) -> None:
        super().__init__()
        self.version_id = version_id
        self.config = config
        self.version = version
        self.problem = problem


class SavePreviewed(Message):
    """The diff saving ``flow`` would write, for the designer to ask before saving."""

    def __init__(self, preview: SavePreview, flow: Flow, values: dict[str, str | bool],
                 ask: int) -> None:
        super().__init__()
        self.preview = preview
        self.flow = flow
        self.values = values
        self.ask = ask
        """Which F2 this answers: only the latest one's diff is shown."""


class FlowsSummarized(Message):
    """Each flow's summary (next run) and activity (last run, running count)."""

    def __init__(self, config: FlowsConfig, summaries: dict[str, FlowSummary],
                 activity: dict[str, FlowActivity] | None, read_at: int = 0) -> None:
        super().__init__()
        self.config = config
        """The flows the summaries were worked out from."""
        self.summaries = summaries
        self.activity = activity
        self.read_at = read_at
        """When the activity's read began (see ``console.tui.reads``): polls overlap."""


class ExecutionsLoaded(Message):
    def __init__(self, flow_id: str, rows: list[Execution], read_at: int) -> None:
        super().__init__()
        self.flow_id = flow_id
        """Whose executions: a read for a flow since left under the cursor is not shown."""
        self.rows = rows
        self.read_at = read_at
        """When the read began (see ``console.tui.reads``)."""


class ExecutionLoaded(Message):
    def __init__(self, execution: Execution | None, read_at: int) -> None:
        super().__init__()
        self.execution = execution
        self.read_at = read_at
        """When the read began (see ``console.tui.reads``): a poll may overlap a slower one."""


class ExecutionStarted(Message):
    """A trigger or retry was accepted by the runner."""

    def __init__(self, flow_id: str, execution_id: str, what: str) -> None:
        super().__init__()
        self.flow_id = flow_id
        self.execution_id = execution_id
        self.what = what


class ChecklistLoaded(Message):
    def __init__(self, rows: list[StepRow], read_at: int) -> None:
        super().__init__()
        self.rows = rows
        self.read_at = read_at
        """When the read began (see ``console.tui.reads``): a later read saw the newer
        checklist."""


class StepProgress(Message):
    def __init__(self, key: str, percent: int, state: str) -> None:
        super().__init__()
        self.key = key
        self.percent = percent
        self.state = state


class StockPageLoaded(Message):
    def __init__(self, number: int, page: StockPage, listing: int) -> None:
        super().__init__()
        self.number = number
        self.page = page
        self.listing = listing
        """Which listing (filters, since the last reset) the page belongs to: a page read for
        filters since changed is not shown."""


class StockSaved(Message):
    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__()
        self.row = row


class EnginesLoaded(Message):
    def __init__(self, engines: list[str]) -> None:
        super().__init__()
        self.engines = engines


class TestInputLoaded(Message):
    def __init__(self, loaded: TestInput, ask: int) -> None:
        super().__init__()
        self.loaded = loaded
        self.ask = ask
        """Which request for the designer's ERP input this answers: only the latest is taken."""


class TestInputRead(Message):
    """A test panel's input, read from a file."""

    def __init__(self, text: str, ask: int) -> None:
        super().__init__()
        self.text = text
        self.ask = ask
        """Which of the panel's file reads this answers: only the latest one's is shown."""


class TestRunDone(Message):
    """A test panel's run: what to show (``meta``: outcome, attributes, logs), result_data,
    the output a next step may take (``None`` on failure) and, for a mapping run on what the
    script made, that input."""

    def __init__(self, meta: Text, result: str, output: str | None,
                 input_text: str | None = None, run: int = 0) -> None:
        super().__init__()
        self.meta = meta
        self.result = result
        self.output = output
        self.input_text = input_text
        self.run = run
        """Which of the panel's runs this answers: a run replaced by a newer one still ends,
        and its answer is not shown."""


class PinnedInputLoaded(Message):
    """The flow's pinned sample, the test panels' default ERP input."""

    def __init__(self, text: str, ask: int) -> None:
        super().__init__()
        self.text = text
        self.ask = ask
        """Which request for the designer's ERP input this answers: a live or last input asked
        for before the pinned sample was read is not replaced by it."""


class FlowProblems(Message):
    """The file's validation of the flow as edited: problems by key (within the flow) and the
    others, both empty when it validates."""

    def __init__(self, keyed: dict[str, str], other: list[str], edit: int) -> None:
        super().__init__()
        self.keyed = keyed
        self.other = other
        self.edit = edit
        """Which form edit was checked: only the latest one's answer is shown."""


class FlowsFileChanged(Message):
    """flows.toml changed on disk and loads: the app's flows are to be replaced."""

    def __init__(self, config: FlowsConfig, stamp: tuple[int, int] | None) -> None:
        super().__init__()
        self.config = config
        self.stamp = stamp
        """The file's modification time and size before it was read: flows read from a file
        since written again (a save from the console) are not taken."""


class DryRunDone(Message):
    def __init__(self, report: DryRun, ask: int) -> None:
        super().__init__()
        self.report = report
        self.ask = ask
        """Which dry run (F5) this answers: a replaced one's report is not shown."""


class Notice(Message):
    """A line for the user from a worker that finished (e.g. where an export went)."""

    def __init__(self, text: str, title: str = "") -> None:
        super().__init__()
        self.text = text
        self.title = title
