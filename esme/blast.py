"""`esme blast`: one text (or a template per row) to every number of a file, with a live
progress line, a final report, and a state file from which `--resume` continues without
sending any line twice.

Everything that can be wrong with the input is found before the first submit: the numbers
file is read, screened and de-duplicated, the template checked against every row, a state
file matched to this file and text. Ctrl-C stops sending, writes the partial report and the
state file.
"""

import sys
import time

import attrs
from twisted.internet import defer

from esme import report
from esme.outcome import NOT_SENT
from esme.numbers_file import read_numbers
from esme.progress import ProgressWriter
from esme.resume import Fingerprint, ResumeState, StateFile
from esme.template import Template


@attrs.frozen
class Campaign:
    """What to send, read and checked: every row with its text, and the state file."""

    rows: tuple  # (Recipient, text)
    rejected: tuple
    duplicates: tuple
    state: StateFile | None
    skipped: int  # lines a previous run already handled (--resume)


def prepare(args) -> Campaign:
    """The campaign from the command line; NumbersFileError, TemplateError or ResumeError
    (each naming file, line and field) if the input cannot be used."""
    recipients = read_numbers(args.numbers, args.region)
    template = Template.from_file(args.template) if args.template else Template.from_text(args.text)
    template.check(recipients.rows, recipients.columns, args.numbers)
    rows = tuple((row, template.render(row.variables, args.numbers, row.line)) for row in recipients.rows)
    state, skipped = None, 0
    if args.state:
        fingerprint = Fingerprint.of(args.numbers, args.text if args.text is not None else open(args.template, encoding="utf-8").read())
        previous = ResumeState.load(args.state, fingerprint) if args.resume else ResumeState(fingerprint, 0, {})
        state = StateFile(args.state, previous)
        kept = tuple((row, text) for row, text in rows if state.may_send(row.line))
        skipped, rows = len(rows) - len(kept), kept
    return Campaign(rows, recipients.rejected, recipients.duplicates, state, skipped)


def describe_input(campaign: Campaign, numbers: str, out=sys.stderr) -> None:
    """Say what was left out of the file and why, line by line: nothing goes unmentioned."""
    for rejected in campaign.rejected:
        print(f"{numbers}, line {rejected.line}, field {rejected.field!r}: {rejected.value!r} not sent: {rejected.reason}", file=out)
    for duplicate in campaign.duplicates:
        print(f"{numbers}, line {duplicate.line}: {duplicate.number} not sent again (first on line {duplicate.first_line})", file=out)
    if campaign.skipped:
        print(f"resuming: {campaign.skipped} lines were handled by the earlier run and are not sent again", file=out)
    print(f"{len(campaign.rows)} to send, {len(campaign.rejected)} rejected, {len(campaign.duplicates)} duplicates", file=out)


class Blast:
    """Sends a campaign through a started Sender and keeps one MessageRecord a row."""

    def __init__(self, sender, campaign: Campaign, source: str, progress: ProgressWriter, ahead: int = 200):
        """ahead: most rows handed to the sender and not answered yet. Rows are claimed in the
        state file as they are handed over, so after a crash at most these (and the state
        file's `every`) are unknown."""
        self._sender = sender
        self._campaign = campaign
        self._source = source
        self._progress = progress
        self._ahead = ahead
        self.records: dict[int, report.MessageRecord] = {}
        self.interrupted = False  # Ctrl-C: no more rows handed over
        self._exhausted = False  # every row handed over
        self._counts = {"done": 0, "accepted": 0, "failed": 0}
        self._rows = iter(campaign.rows)
        self._unanswered = 0  # rows handed over, not answered yet
        self._open = 0  # rows handed over, not final yet
        self._all_final = defer.Deferred()

    def run(self) -> defer.Deferred:
        """Fires once every row handed over is final (its receipt came or timed out), and
        every row was handed over or the run stopped."""
        self._feed()
        return self._all_final

    def stop(self) -> None:
        """Hand over no more rows (Ctrl-C)."""
        self.interrupted = True
        self._check_done()

    def _feed(self) -> None:
        while not (self.interrupted or self._exhausted) and self._unanswered < self._ahead:
            row_and_text = next(self._rows, None)
            if row_and_text is None:
                self._exhausted = True
                break
            row, text = row_and_text
            if self._campaign.state is not None:
                self._campaign.state.claim(row.line)
            self._unanswered += 1
            self._open += 1
            started = time.monotonic()
            handle = self._sender.submit(row.number, text, self._source, receipt=True)
            handle.accepted.addCallback(self._accepted, row)
            handle.finished.addCallback(self._finished, row, started)
        self._check_done()

    def _check_done(self) -> None:
        if (self.interrupted or self._exhausted) and self._open == 0 and not self._all_final.called:
            self._all_final.callback(None)

    def _accepted(self, outcome, row) -> None:
        self._unanswered -= 1
        if self._campaign.state is not None and any(part.status is not None for part in outcome.parts):
            self._campaign.state.sent(row.line, [mid for mid in outcome.message_ids if mid])
        self._counts["accepted" if outcome.accepted else "failed"] += 1
        self._progress.update(self._counts["done"], self._counts["accepted"], self._counts["failed"])
        self._feed()

    def _finished(self, outcome, row, started: float) -> None:
        if self._campaign.state is not None and all(part.state == NOT_SENT and not part.unanswered for part in outcome.parts):
            self._campaign.state.given_back(row.line)  # the SMSC took none of it, and no try went unanswered
        first = outcome.parts[0]
        responded = started + first.submit_latency if first.submit_latency is not None else None
        receipted = started + first.receipt_latency if first.receipt_latency is not None else None
        final = outcome.state if outcome.accepted and receipted is not None else None
        failing = next((part for part in outcome.parts if part.state != "DELIVRD"), first)
        self.records[row.line] = report.MessageRecord(
            number=row.number,
            line=row.line,
            message_ids=tuple(mid for mid in outcome.message_ids if mid),
            submit_status=first.status,
            final_state=final,
            error_code=f"{failing.error:03d}" if failing.error is not None else None,
            submitted_at=started,
            responded_at=responded,
            receipt_at=receipted,
        )
        self._counts["done"] += 1
        self._progress.update(self._counts["done"], self._counts["accepted"], self._counts["failed"])
        self._open -= 1
        self._check_done()

    def finish(self, args, out=sys.stdout) -> int:
        """The report: text on out, JSON and CSV files when asked; the exit status."""
        records = [self.records[line] for line in sorted(self.records)]
        self._progress.finish(self._counts["done"], self._counts["accepted"], self._counts["failed"])
        if self._campaign.state is not None:
            self._campaign.state.close()
        summary = report.summarise(records)
        print(report.to_text(summary), file=out)
        if args.report_json:
            with open(args.report_json, "w", encoding="utf-8") as file:
                file.write(report.to_json(summary))
        if args.report_csv:
            with open(args.report_csv, "w", encoding="utf-8", newline="") as file:
                file.write(report.to_csv(records))
        everything = not self.interrupted and len(records) == len(self._campaign.rows)
        return 0 if everything and summary.delivered == len(records) else 1
