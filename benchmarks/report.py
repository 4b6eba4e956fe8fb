"""The report: figures in Markdown tables, each target of PRODUCT.md section 7 met or missed by how much."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

UNSPACED_UNITS = ("×", "%")


def number(value: float) -> str:
    """A figure with as many decimals as it deserves: 6,512 · 43.2 · 0.82 · 10."""
    if abs(round(value, 1)) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(round(value, 2)) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def quantity(value: float, unit: str) -> str:
    """`value` with its unit: `12.3 ms`, `0.82×`."""
    return f"{number(value)}{unit}" if unit in UNSPACED_UNITS else f"{number(value)} {unit}"


def ratio(value: float, baseline: float) -> str:
    return quantity(value / baseline, "×") if baseline else "n/a"


@dataclass(frozen=True)
class Target:
    """A target of PRODUCT.md section 7: at most `limit` in `unit`, or at least when `at_least`."""

    limit: float
    unit: str
    at_least: bool = False

    def __str__(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {quantity(self.limit, self.unit)}"

    def verdict(self, value: float) -> str:
        """`met`, or `missed by <gap> (<percent> over|short)`."""
        gap = self.limit - value if self.at_least else value - self.limit
        if gap <= 0:
            return "met"
        side = "short" if self.at_least else "over"
        return f"missed by {quantity(gap, self.unit)} ({gap / self.limit:.0%} {side})"


@dataclass(frozen=True)
class Check:
    """What was measured against a target; `value` None when it could not be, `note` saying why."""

    what: str
    target: Target
    value: float | None
    note: str = ""

    def row(self) -> list[str]:
        if self.value is None:
            return [self.what, str(self.target), "—", f"not measured: {self.note}"]
        verdict = self.target.verdict(self.value)
        return [self.what, str(self.target), quantity(self.value, self.target.unit), verdict]


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


@dataclass
class Report:
    """Facts about the run, the targets' table, then one section per measurement."""

    title: str
    facts: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, title: str, lines: Iterable[str]) -> None:
        self.sections.append((title, list(lines)))

    def render(self) -> str:
        lines = [f"# {self.title}", ""]
        lines += [f"- {name}: {value}" for name, value in self.facts.items()]
        lines += ["", "## Targets (PRODUCT.md section 7)", ""]
        lines += table(("measured", "target", "figure", "result"), (check.row() for check in self.checks))
        for title, body in self.sections:
            lines += ["", f"## {title}", "", *body]
        return "\n".join(lines) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render())


def machine() -> dict[str, str]:
    """CPU model, cores, memory, kernel and Python of this machine."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2
    return {
        "Machine": f"{models[0] if models else platform.machine()}, {os.cpu_count()} cores, "
        f"{memory_gib:.0f} GiB RAM",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
    }
