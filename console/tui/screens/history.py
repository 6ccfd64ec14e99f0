"""Versions of flows.toml: every save the console made, what each changed since, and a way back."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from console.services.history import History, Version
from console.tui.base import ConsoleScreen
from console.tui.messages import VersionDiffed, VersionRestored, VersionsLoaded
from console.tui.reads import Latest, began
from console.tui.widgets.footer import KeyFooter
from console.tui.widgets.table import Table


class HistoryScreen(ConsoleScreen[None]):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("r", "restore", "Restore", id="history.restore"),
        Binding("escape", "app.pop_screen", "Back", id="history.back"),
    ]
    DEFAULT_CSS = """
    HistoryScreen DataTable { height: 2fr; }
    HistoryScreen #where { height: 1; padding: 0 1; color: $text-muted; }
    HistoryScreen VerticalScroll { height: 3fr; border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.versions: list[Version] = []
        self.shown_diff = ""
        """The diff in the pane (text), of the highlighted version to the file now."""
        self.versions_read = Latest()
        self.diff_reads: dict[str, Latest] = {}
        """The newest diff shown of each version (to the file as it was when read)."""

    @property
    def path(self) -> str:
        source = self.config.source
        assert source is not None
        return str(source)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Table(cursor_type="row", zebra_stripes=True)
        yield Static("", id="where", markup=False)
        with VerticalScroll():
            yield Static("", id="diff")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Versions of flows.toml"
        self.query_one(DataTable).add_columns("Version", "Kept (UTC)", "Message")
        self.load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="versions")
    def load(self) -> None:
        """Exclusive, yet a replaced read's thread still posts: the handler keeps the newest."""
        read_at = began()
        history = History(self.path, self.console.clock)
        self.post_message(VersionsLoaded(history.versions(), self._shown(history.keeper.where),
                                         read_at))

    def _shown(self, where: str) -> str:
        """Where versions are kept, relative to the flows file's folder when inside it."""
        folder = Path(self.path).parent
        try:
            return str(Path(where).relative_to(folder))
        except ValueError:
            return where

    def on_versions_loaded(self, message: VersionsLoaded) -> None:
        if not self.versions_read.newer(message.read_at):
            return  # read before a restore whose versions are already shown
        self.versions = message.versions
        table = self.query_one(DataTable)
        table.clear()
        for v in self.versions:
            table.add_row(v.id, f"{v.at:%Y-%m-%d %H:%M:%S}", v.message, key=v.id)
        count = len(self.versions)
        self.query_one("#where", Static).update(
            f"{count} version(s) in {message.where} · diff: changes since the highlighted one"
            if count else
            f"no versions yet: each save from the console keeps one ({message.where})")
        if not count:
            self.query_one("#diff", Static).update("")

    def selected(self) -> Version | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.versions[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        version = self.selected()
        if version is not None:
            self.load_diff(version.id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="version-diff")
    def load_diff(self, version_id: str) -> None:
        read_at = began()
        self.post_message(VersionDiffed(version_id, History(self.path).diff(version_id),
                                        read_at))

    def on_version_diffed(self, message: VersionDiffed) -> None:
        version = self.selected()
        if version is None or version.id != message.version_id or \
                not self.diff_reads.setdefault(version.id, Latest()).newer(message.read_at):
            return  # another version's, or a diff to the file as it was before a restore
        diff = self.query_one("#diff", Static)
        self.shown_diff = message.diff
        if not message.diff:
            diff.update(f"flows.toml now is exactly version {message.version_id}")
            return
        diff.update(Syntax(message.diff, "diff", theme="ansi_dark", background_color="default",
                           word_wrap=True))

    def action_restore(self) -> None:
        version = self.selected()
        if version is None:
            return
        from console.tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                from console.tui.saving import restore_version

                restore_version(Path(self.path), version.id, self, self.console.clock)

        self.app.push_screen(ConfirmScreen(
            f"Restore flows.toml to version {version.id} ({version.message})? The file as it "
            "is now stays a version, and the restore becomes one."), answer)

    def on_version_restored(self, message: VersionRestored) -> None:
        if message.config is None:
            self.notify(message.problem or "not restored", title="Not restored",
                        severity="error", timeout=10)
            return
        self.console.replace_config(message.config)
        if message.version is None:
            self.notify(f"flows.toml already is version {message.version_id}", title="Restored")
        else:
            self.notify(f"version {message.version_id} restored as {message.version.id}",
                        title="Restored")
        self.load()
