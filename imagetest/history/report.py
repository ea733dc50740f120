"""The tables `invoke history` writes: JSON, Markdown (job summary, docs/history.md) and a
small static HTML page with a colored ref x scenario grid."""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from imagetest.history.grid import NOT_RUN, Cell, RefRow, verdict
from imagetest.model.results import Status
from imagetest.run.stepsummary import cell

ICONS = {
    Status.PASSED: "✅ pass",
    Status.FAILED: "❌ fail",
    Status.KNOWN_FAILURE: "⚠️ known",
    Status.UNEXPECTED_PASS: "❔ unexpected pass",
    "flaky": "〰️ flaky",
    NOT_RUN: "· not run",
}
COLORS = {
    Status.PASSED: "#c8e6c9",
    Status.FAILED: "#ffcdd2",
    Status.KNOWN_FAILURE: "#ffe0b2",
    Status.UNEXPECTED_PASS: "#e1bee7",
    "flaky": "#fff9c4",
    NOT_RUN: "#eeeeee",
}


def scenario_names(rows: Sequence[RefRow]) -> list[str]:
    names: list[str] = []
    for row in rows:
        names += [n for n in row.cells if n not in names]
    return names


def grid_cell(row: RefRow, name: str) -> tuple[str, str]:
    """(verdict, first failing check) of a scenario on a ref, over its runs."""
    cells = row.cells.get(name) or []
    if not cells:
        return NOT_RUN, ""
    found = verdict(cells)
    notes = [c.note for c in cells if c.status != Status.PASSED and c.note]
    runs = f" ({sum(c.status == found for c in cells)}/{len(cells)})" if len(cells) > 1 else ""
    return found, ((notes[0] if notes else "") + runs).strip()


def markdown(rows: Sequence[RefRow], title: str) -> str:
    names = scenario_names(rows)
    head = ["ref", "commit", "date", "subject", "build", *names]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        build = f"{row.build} {row.build_seconds:.0f} s"
        if row.build_error:
            build += f": {row.build_error}"
        cells = []
        for name in names:
            found, note = grid_cell(row, name)
            cells.append(ICONS.get(found, found) + (f" {note}" if note else ""))
        values = [row.ref, row.commit[:10], row.date[:10], row.subject, build, *cells]
        lines.append("| " + " | ".join(cell(v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def page(rows: Sequence[RefRow], title: str) -> str:
    names = scenario_names(rows)
    esc = html.escape
    head = "".join(f"<th>{esc(n)}</th>" for n in ["ref", "date", "subject", "build", *names])
    body = []
    for row in rows:
        color = COLORS[Status.PASSED] if row.build == "built" else COLORS[Status.FAILED]
        tds = [
            f"<td><code>{esc(row.ref)}</code><br><small>{esc(row.commit[:10])}</small></td>",
            f"<td>{esc(row.date[:10])}</td>",
            f"<td>{esc(row.subject)}</td>",
            f'<td style="background:{color}" title="{esc(row.build_error)}">'
            f"{esc(row.build)} {row.build_seconds:.0f} s</td>",
        ]
        for name in names:
            found, note = grid_cell(row, name)
            tds.append(
                f'<td style="background:{COLORS.get(found, "#fff")}" title="{esc(note)}">'
                f"{esc(ICONS.get(found, found))}</td>"
            )
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (
        "<!doctype html><meta charset=utf-8>"
        f"<title>{esc(title)}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px;font-size:13px}</style>"
        f"<h1>{esc(title)}</h1><table><tr>{head}</tr>{''.join(body)}</table>"
        "<p>Hover a cell for its first failing check or the build error.</p>\n"
    )


def fixes_markdown(proofs: Sequence[tuple[str, RefRow, RefRow]]) -> str:
    """Each guarded fix: the scenario's verdicts on the fix's parent and on the fix."""
    lines = [
        "### Guarded fixes on the upstream's code",
        "",
        "| scenario | fix | parent | on the parent | on the fix | proven |",
        "|---|---|---|---|---|---|",
    ]
    for name, parent, fix in proofs:
        before, before_note = grid_cell(parent, name)
        after, after_note = grid_cell(fix, name)
        proven = before == Status.FAILED and after == Status.PASSED
        lines.append(
            "| "
            + " | ".join(
                cell(v)
                for v in (
                    name,
                    f"{fix.commit[:10]} {fix.subject}",
                    parent.commit[:10],
                    f"{ICONS.get(before, before)} {before_note}",
                    f"{ICONS.get(after, after)} {after_note}",
                    "yes" if proven else "**no**",
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def write_json(rows: Sequence[RefRow], path: Path, title: str) -> None:
    data = {"title": title, "refs": [r.to_json() for r in rows]}
    path.write_text(json.dumps(data, indent=1) + "\n")


def write_all(rows: Sequence[RefRow], root: Path, title: str) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": root / "history.json",
        "markdown": root / "history.md",
        "html": root / "history.html",
    }
    write_json(rows, paths["json"], title)
    paths["markdown"].write_text(markdown(rows, title))
    paths["html"].write_text(page(rows, title))
    return paths


def read_rows(path: Path) -> list[RefRow]:
    """The rows of a history.json (one job of a fanned-out grid)."""
    data = json.loads(path.read_text())
    rows = []
    for raw in data["refs"]:
        cells = {name: [Cell(**c) for c in runs] for name, runs in (raw.pop("cells") or {}).items()}
        rows.append(RefRow(**raw, cells=cells))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Combine the history.json of several jobs (a grid fanned out as a CI matrix) into one
    set of tables in --out; the Markdown also to stdout (for the job summary)."""
    parser = argparse.ArgumentParser(prog="python -m imagetest.history.report")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--title", default="history")
    parser.add_argument("inputs", nargs="+", type=Path, help="history.json files or folders")
    args = parser.parse_args(argv)
    files = [p for i in args.inputs for p in ([i] if i.is_file() else i.rglob("history.json"))]
    if not files:
        print("no history.json found in the inputs", file=sys.stderr)
        return 2
    rows = sorted((r for f in files for r in read_rows(f)), key=lambda r: (r.date, r.ref))
    write_all(rows, args.out, args.title)
    print(markdown(rows, args.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
