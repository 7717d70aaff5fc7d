"""The import report: what the file is, what is wrong with it, what each row will do."""

from dataclasses import asdict, dataclass, field
from typing import Any

from warnings_app.services.imports.plan_parts import RowPlan
from warnings_app.services.imports.validate import Problem


@dataclass
class Report:
    filename: str
    sha256: str
    size: int
    kind: str = ""
    encoding: str = ""
    rows: int = 0
    blank_rows: int = 0
    refused: str = ""  # why the file as a whole cannot be imported
    encodings: list[str] = field(default_factory=list)  # when we must ask which one
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plan: list[RowPlan] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    committed: bool = False

    @property
    def ok(self) -> bool:
        """Nothing stands in the way of committing this file."""
        return not self.refused and not self.problems

    @property
    def changes_anything(self) -> bool:
        return any(n for k, n in self.counts.items() if not k.endswith("_unchanged"))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def as_text(self) -> str:
        """For the command line and the audit trail's readers."""
        lines = [f"{self.filename} ({self.size:,} bytes, sha256 {self.sha256})"]
        if self.kind:
            how = f", {self.encoding}" if self.encoding else ""
            lines.append(f"{self.kind.upper()}{how}: {self.rows} row(s), {self.blank_rows} blank")
        if self.refused:
            lines.append(f"REFUSED: {self.refused}")
            if self.encodings:
                lines.append("Encodings that might fit: " + ", ".join(self.encodings))
        lines += [f"note: {note}" for note in self.notes]
        for p in self.warnings:
            lines.append(f"warning row {p.row} [{p.column}]: {p.reason}")
        for p in self.problems:
            lines.append(f"row {p.row} [{p.column}]: {p.reason}")
        for r in self.plan:
            what = r.action + (f" {r.target}" if r.target else "")
            if r.changes:
                what += " (" + ", ".join(r.changes) + ")"
            if r.contact:
                what += f"; contact {r.contact}"
                if r.contact_changes:
                    what += " (" + ", ".join(r.contact_changes) + ")"
            lines.append(f"row {r.row}: {r.legal_name}: {what}")
        if self.counts:
            lines.append(", ".join(f"{k.replace('_', ' ')}: {n}" for k, n in self.counts.items()))
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s): nothing was imported.")
        elif self.committed:
            lines.append("Committed.")
        elif not self.refused:
            lines.append("Dry run: nothing was written.")
        return "\n".join(lines)
