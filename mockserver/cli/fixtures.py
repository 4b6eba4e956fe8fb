"""`mockserver fixtures generate | check`: make a larger fixture set, or check a folder of fixtures."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from mockserver.fixtures.generate import FORMATS, MAX_REGISTRATIONS, PROGRESS_STEP, Sizes, file_text, generate
from mockserver.fixtures.load import (
    EXTENSIONS,
    FixtureError,
    Fixtures,
    load_failures,
    load_fixtures,
    paused_gc,
)

PROGRESS_FROM = 50_000  # registrations from which a progress bar is shown
Record = TypeVar("Record")
Loaded = TypeVar("Loaded")


@click.group()
def fixtures() -> None:
    """Make or check folders of fixture files."""


@fixtures.command(name="generate")
@click.option(
    "--out",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write fullfabric.json and digitalchalk.json into (made if missing).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same files.")
@click.option(
    "--registrations",
    type=click.IntRange(0, MAX_REGISTRATIONS),
    default=1000,
    show_default=True,
    help="DigitalChalk registrations.",
)
@click.option("--users", type=click.IntRange(1), help="DigitalChalk users [default: registrations/5, ≥ 10].")
@click.option(
    "--offerings", type=click.IntRange(1), help="DigitalChalk offerings [default: registrations/100, ≥ 10]."
)
@click.option(
    "--profiles", type=click.IntRange(0), help="FullFabric profiles [default: registrations/100, ≥ 10]."
)
@click.option(
    "--courses", type=click.IntRange(1), help="FullFabric courses [default: profiles/50, 2 to 100]."
)
@click.option("--units", type=click.IntRange(1, 100), help="Units each course offers [default: 6].")
@click.option("--classes", type=click.IntRange(0, 100), help="Classes (intakes) of each course [default: 2].")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="JSON loads fast at any size; YAML is for small sets.",
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty, replacing fixture files.")
def generate_command(
    directory: Path,
    seed: int,
    registrations: int,
    file_format: str,
    force: bool,
    **sizes: int | None,
) -> None:
    """Write a larger, consistent fixture set made up with faker."""
    from mockserver.app import VENDORS  # here: the other commands start faster without the vendors

    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise click.BadParameter(f"{directory} is not empty (--force replaces its files)", param_hint="--out")
    try:
        chosen = Sizes.scaled(registrations, **sizes)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    directory.mkdir(parents=True, exist_ok=True)
    # Two passes over the registrations (drawing them, then writing them out), so the bar counts both.
    with paused_gc(), _progress(2 * registrations if registrations >= PROGRESS_FROM else 0) as advance:
        data = generate(seed, chosen, VENDORS, advance)
        paths = {
            vendor: _write(directory / f"{vendor}.{file_format}", _counted(fixture, advance), file_format)
            for vendor, fixture in data.items()
        }
    fullfabric = data["fullfabric"]
    registered = sum(entry["registration"] is not None for entry in fullfabric["transcripts"])
    click.echo(
        f"Wrote {len(fullfabric['profiles'])} profiles, {len(fullfabric['transcripts'])} transcript entries "
        f"({registered} registered) to {paths['fullfabric']} and {chosen.registrations} registrations "
        f"({chosen.users} users, {chosen.offerings} offerings) to {paths['digitalchalk']}"
    )


@contextmanager
def _progress(length: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for `length` steps (none for 0), as the function that advances it."""
    if not length:
        yield None
        return
    with click.progressbar(length=length, label="Generating fixtures", file=sys.stderr) as bar:
        yield bar.update


def _counted(
    fixture: Mapping[str, Iterable[Record]], advance: Callable[[int], None] | None
) -> dict[str, Iterable[Record]]:
    """`fixture` with its registrations (the only large collection) reporting progress as they are read."""
    if advance is None or "registrations" not in fixture:
        return dict(fixture)
    return {**fixture, "registrations": _reporting(fixture["registrations"], advance)}


def _reporting(records: Iterable[Record], advance: Callable[[int], None]) -> Iterator[Record]:
    count = 0
    for count, record in enumerate(records, 1):
        yield record
        if count % PROGRESS_STEP == 0:
            advance(PROGRESS_STEP)
    advance(count % PROGRESS_STEP)


def _write(path: Path, fixture: Mapping[str, Iterable[Any]], file_format: str) -> Path:
    """Write the file beside its final name, then rename it into place; remove the vendor's files in other
    formats (two files for one vendor would not load)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as file:
            file.writelines(file_text(fixture, file_format))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    for extension in EXTENSIONS:
        if extension != path.suffix:
            path.with_suffix(extension).unlink(missing_ok=True)
    return path


@fixtures.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--failures",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File of failure rules (default: failures.yaml in DIRECTORY, if there is one).",
)
def check(directory: Path, failures: Path | None) -> None:
    """Load DIRECTORY as `mockserver run --fixtures DIRECTORY` would and report every problem, one per
    line on stderr as `<file>: <path>: <message>`.

    Exit codes: 0 the fixtures load; 1 they do not; 2 wrong usage (such as no such folder).
    """
    from mockserver.app import VENDORS  # here: the other commands start faster without the vendors

    failures_file = failures or directory / "failures.yaml"
    loaded, problems = _attempt(lambda: load_fixtures(directory, VENDORS))
    rules, rule_problems = (
        _attempt(lambda: load_failures(failures_file, VENDORS)) if failures_file.is_file() else ([], [])
    )
    for problem in [*problems, *rule_problems]:
        click.echo(problem, err=True)
    if loaded is None or rules is None:
        sys.exit(1)
    click.echo(f"{directory}: no problems")
    for line in _summary(loaded, len(rules), failures_file if failures_file.is_file() else None):
        click.echo(f"  {line}")


def _attempt(load: Callable[[], Loaded]) -> tuple[Loaded | None, list[str]]:
    """What `load` returns and no problems, or None and the problems of its `FixtureError`."""
    try:
        return load(), []
    except FixtureError as error:
        return None, error.problems


def _summary(loaded: Fixtures, rules: int, failures_file: Path | None) -> Iterator[str]:
    """One line per vendor, and one for the failure rules: what was loaded and from where."""
    fullfabric, digitalchalk = loaded.data["fullfabric"], loaded.data["digitalchalk"]
    transcripts = fullfabric["transcripts"]
    registered = sum(entry["registration"] is not None for entry in transcripts)
    sources = {vendor: source or "no fixture file" for vendor, source in loaded.sources.items()}
    yield (
        f"fullfabric    {len(fullfabric['profiles'])} profiles, {len(fullfabric['courses'])} courses, "
        f"{len(fullfabric['classes'])} classes, {len(fullfabric['programmes'])} programmes, "
        f"{len(fullfabric['study_plans'])} study plans, {len(fullfabric['units'])} units, "
        f"{len(fullfabric['grade_states'])} grade states, {len(fullfabric['role_transcripts'])} "
        f"transcripts, {len(transcripts)} transcript entries ({registered} registered)  "
        f"from {sources['fullfabric']}"
    )
    yield f"digitalchalk  {len(digitalchalk['registrations'])} registrations  from {sources['digitalchalk']}"
    yield f"failures      {rules} rules  from {failures_file or 'no failures file'}"
