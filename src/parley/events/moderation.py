"""Events of moderation: a report whose reporter asked that it go to the reported
account's server too."""

from __future__ import annotations

from dataclasses import dataclass

from parley.events import Event


@dataclass(frozen=True)
class ReportForwarded(Event):
    """Report `report_id`, about an account of another server, is to be sent to that
    server's moderators (the reporter asked: `forward`)."""

    report_id: int
