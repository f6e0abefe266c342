"""Benchmark ``osteo-stats report dmc`` against WeasyPrint alone, in one run (issue 13).

Run with one command (not part of the test suite)::

    python benchmarks/bench_report.py [--kind dmc|final] [--scaling]

It prints, from one run each:

1. the wall time of the whole command ``osteo-stats report <kind> --out <tmp>`` in a fresh
   process (``sys.executable -m osteo_stats``, ``SOURCE_DATE_EPOCH`` fixed);
2. the time of WeasyPrint alone rendering the HTML that command wrote (every ``*.html`` report
   file of its output folder, each in a fresh process with the project's settings,
   :func:`osteo_stats.render.pdf.html_to_pdf`): ``import weasyprint`` plus layout plus PDF write,
   summed over the files (the import of osteo-stats itself is not counted);
3. their ratio (issue 13's target: at most 1.3);
4. where the command's time goes: the import of each heavy library (``python -X importtime``,
   cumulative, in the order the CLI imports them) and each step of the report run one after the
   other in this process: load + validate, derive, TLF build, HTML, layout, PDF write, ARD, CSV,
   SVG, RTF of tables and listings, RTF of figures (PNG rasterisation), the combined RTF, and
   the derived datasets.

``--scaling`` adds the layout time of a long adverse-event listing at 100 to 800 rows, as seconds
per page, to check that layout stays linear in pages (WeasyPrint issues #1296 and #1104; the
report CSS uses fixed table layout, simple selectors and one table per listing).

What it found (main at 8cc3f8e, 2 cores shared with other jobs, so single runs vary by tens of
percent): the command took 21-24 s against 10-16 s for WeasyPrint alone. Layout (6.5-10 s) and
PDF write (3-5 s, most of it fontTools subsetting the fonts) are WeasyPrint's own. The rest ran
one step after the other: importing the CLI's libraries ~3.5 s (scipy.stats 1.2 s through the
package's public API, weasyprint 0.8 s, matplotlib 0.5-0.7 s, pandas 0.3 s, pandera 0.4 s of
which 0.3 s is pandera importing hypothesis for its data-synthesis strategies when the test extra
is installed, rtflite + polars 0.25 s); load + validate 0.5 s; derive 0.25 s; TLF build
0.7-1 s (cProfile: the two matplotlib figures, and the AE tables' per-cell pandas counting);
HTML 0.2 s; then 3.5-4 s of files after the PDF: RTF of tables and listings 2 s (rtflite's
encoder over polars frames, one document per page), the two figures rasterised to 300 dpi PNG
1.2 s, ARD 0.1 s, CSV/SVG 0.05 s, ADaM datasets 0.2 s.

What changed (issue 13): WeasyPrint runs in a second process forked when the command starts
(:func:`osteo_stats.render.pdf.start_pdf_layout`): it imports WeasyPrint while the command
loads, validates and builds the TLFs, lays out the HTML once it is sent, and the command writes
the ARD, RTF, CSV, SVG and ADaM files meanwhile; the combined RTF is joined from the documents in
memory instead of reading the single files back; rtflite, polars and resvg are imported only to
write RTF; the AE tables count patients per grade in plain Python. Every file but the PDF and
HTML is byte-identical to before, and the PDF is the same bytes as an in-process render of the
same HTML.

Measured with this script (one run each; the load average is that of the shared machine):
main 20.9 s against 9.8 s for WeasyPrint alone, ratio 2.14 (load 1.9; 1.87 at load 3.3); this
change 12.1 s against 8.9 s, ratio 1.36 (load 1.6; 1.73 at load 2.4, where the files and the
layout compete for the cores). What is left is the work before the HTML exists, about 4.5 s on an
idle machine: importing the CLI 1.7 s (scipy.stats 0.8 s, needed for the binomial results),
matplotlib 0.35 s, load + validate 0.5 s, derive 0.3 s, TLF build 0.7 s, HTML 0.2 s. Building
half of the TLF builders in a forked process saved a further 0.3 s in a trial, not kept (a builder's
exception does not always survive pickling). rtflite spends a quarter of its RTF time opening the
TrueType font again for every cell it measures; that is off the critical path now.

Since then ``report dmc`` writes two reports, the closed- and the open-session one (SAP 10.2),
each laid out in its own process beside the files, and the laboratory and data-currency sections:
22.2 s against 21.8 s for WeasyPrint alone on the two HTML files (import + layout + write of each,
one after the other), ratio 1.02 by wall clock, because the two layouts share the two cores; by CPU
time 32.6 s against 21.3 s, ratio 1.53 (load 1.6). Against the closed report's WeasyPrint time
alone (14.2 s) the command takes 1.56 times as long.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "synthetic"
EPOCH = "1767225600"  # 2026-01-01 00:00 UTC: reproducible bytes, as the report tests use
#: The heavy libraries whose import time is reported (top-level names as ``-X importtime`` says).
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "pandera",
    "hypothesis",
    "pydantic",
    "matplotlib",
    "weasyprint",
    "rtflite",
    "polars",
    "resvg_py",
)

_WEASYPRINT_ALONE = """
import json, sys, time
from pathlib import Path
started, cpu = time.perf_counter(), time.process_time()
import weasyprint  # noqa: F401
imported, cpu = time.perf_counter() - started, time.process_time() - cpu
from osteo_stats.render.pdf import html_to_pdf  # the project's settings; not timed
html = Path(sys.argv[1]).read_text(encoding="utf-8")
rendering = time.process_time()
result = html_to_pdf(html)
cpu += time.process_time() - rendering
print(json.dumps({"import": imported, "layout": result.layout_seconds,
                  "write": result.write_seconds, "pages": result.pages, "cpu": cpu}))
"""


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": path}


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command_time(kind: str, out: Path) -> tuple[float, float, str]:
    """Wall and CPU time (all its processes) of the whole CLI command in a fresh process, and
    its own "Time:" line."""
    argv = [sys.executable, "-m", "osteo_stats", "report", kind, "--data", str(DATA)]
    argv += ["--out", str(out)]
    cpu = _cpu_of_children()
    started = time.perf_counter()
    done = subprocess.run(argv, env=_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    cpu = _cpu_of_children() - cpu
    if done.returncode != 0:
        sys.exit(f"report {kind} failed:\n{done.stdout}\n{done.stderr}")
    timing = next((line for line in done.stdout.splitlines() if line.startswith("Time:")), "")
    return seconds, cpu, timing


def weasyprint_alone(html_files: list[Path]) -> list[dict[str, float]]:
    """WeasyPrint alone on each HTML file, each in a fresh process."""
    runs = []
    for html in html_files:
        argv = [sys.executable, "-c", _WEASYPRINT_ALONE, str(html)]
        done = subprocess.run(argv, env=_env(), capture_output=True, text=True, check=True)
        runs.append({"file": html.name, **json.loads(done.stdout.splitlines()[-1])})
    return runs


def import_times() -> dict[str, float]:
    """Import time (s) of the CLI (cumulative), and of each heavy library: the self time of all
    its modules (``python -X importtime``), whichever module imported them."""
    code = "import osteo_stats.cli, weasyprint, matplotlib.pyplot, rtflite, resvg_py"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    times = dict.fromkeys(("osteo_stats.cli", *HEAVY), 0.0)
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| \s*(\S+)", line)
        if match is None:
            continue
        name = match[3]
        if name == "osteo_stats.cli":
            times[name] = int(match[2]) / 1e6
        elif name.split(".")[0] in times:
            times[name.split(".")[0]] += int(match[1]) / 1e6
    return times


def step_times(kind: str) -> dict[str, float]:
    """Each step of the report, one after the other in this process (seconds)."""
    from osteo_stats.derive.analysis_data import choose_analysis_type, derive_analysis_data
    from osteo_stats.load import validate_trial
    from osteo_stats.render.adam import adam_writer
    from osteo_stats.render.context import build_report_context
    from osteo_stats.render.csv_export import tlf_to_csv
    from osteo_stats.render.pdf import html_to_pdf
    from osteo_stats.render.report import (
        render_html,
        report_outputs,
        running_text,
        template_context,
        write_ard,
    )
    from osteo_stats.render.rtf import combine_rtf, svg_to_png, tlf_to_rtf
    from osteo_stats.render.spec import report_spec
    from osteo_stats.sap import load_sap
    from osteo_stats.tlf.ard import ARD
    from osteo_stats.tlf.build import build_tlfs

    steps: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        steps[name] = now - clock[0]
        clock[0] = now

    sap = load_sap()
    data, _ = validate_trial(DATA, sap)
    lap("load + validate")
    default = "interim" if kind == "dmc" else "final"
    analysis = choose_analysis_type(data, sap, None, None, default).analysis_type
    ad = derive_analysis_data(data, sap, analysis_type=analysis)
    lap("derive")
    spec = report_spec(kind)
    outputs = build_tlfs(ad, spec.areas)
    lap("TLF build")
    context = build_report_context(ad, ["bench"])
    html = render_html(f"{spec.kind}.html.j2", template_context(spec, context, outputs))
    lap("HTML")
    pdf = html_to_pdf(html)
    steps["layout"], steps["PDF write"] = pdf.layout_seconds, pdf.write_seconds
    lap("(layout + write)")
    del steps["(layout + write)"]
    shown = report_outputs(spec, outputs)
    figures = [output.tlf for output in shown if output.tlf.kind == "Figure"]
    tables = [output.tlf for output in shown if output.tlf.kind != "Figure"]
    with tempfile.TemporaryDirectory() as tmp:
        write_ard(ARD.concat(output.ard for output in shown), Path(tmp), ad.analysis_type)
        lap("ARD")
        for tlf in tables:
            tlf_to_csv(tlf)
        lap("CSV")
        for tlf in figures:
            assert tlf.svg is not None
            (Path(tmp) / f"{tlf.slug}.svg").write_text(tlf.svg)
        lap("SVG")
        running = running_text(kind, context)
        parts = [tlf_to_rtf(tlf, "A4", running) for tlf in tables]
        lap(f"RTF of {len(tables)} tables/listings")
        for tlf in figures:
            assert tlf.svg is not None
            svg_to_png(tlf.svg)
        lap(f"PNG of {len(figures)} figures")
        parts += [tlf_to_rtf(tlf, "A4", running) for tlf in figures]
        lap(f"RTF of {len(figures)} figures (with their PNG)")
        combine_rtf(parts)
        lap("combined RTF")
        adam_writer(ad, efficacy=kind != "dmc")(Path(tmp))
        lap("ADaM datasets")
    return steps


def bench(kind: str) -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        seconds, cpu, timing = command_time(kind, Path(tmp))
        folder = next(Path(tmp, kind).iterdir())
        html_files = sorted(folder.glob("*.html"))
        alone = weasyprint_alone(html_files)
    weasy = sum(run["import"] + run["layout"] + run["write"] for run in alone)
    print(
        f"report {kind} (one run each, SOURCE_DATE_EPOCH={EPOCH}, {os.cpu_count()} cores, "
        f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    print(f"  (i)   whole command, fresh process        {seconds:7.2f} s   [{timing}]")
    for run in alone:
        print(
            f"  (ii)  WeasyPrint alone, {run['file']}: import {run['import']:.2f} s + layout "
            f"{run['layout']:.2f} s + write {run['write']:.2f} s ({run['pages']} pages)"
        )
    print(f"        WeasyPrint alone, total               {weasy:7.2f} s")
    print(f"  (iii) ratio                                 {seconds / weasy:7.2f}   (target <= 1.3)")
    alone_cpu = sum(run["cpu"] for run in alone)
    print(
        f"        CPU time (every process): command {cpu:.2f} s, WeasyPrint alone "
        f"{alone_cpu:.2f} s (import + layout + write); ratio {cpu / alone_cpu:.2f}"
    )
    print("  (iv)  where the command's time goes")
    print("        imports (the CLI cumulative; each library all its modules' own time):")
    for name, value in import_times().items():
        print(f"          {name:<22} {value:6.2f} s")
    print("        steps, one after the other in one process:")
    for name, value in step_times(kind).items():
        print(f"          {name:<34} {value:6.2f} s")


def _listing(n_rows: int):  # noqa: ANN202 - a TLF; imported lazily with the package
    import pandas as pd

    from osteo_stats.tlf.model import TLF

    rows = [
        {
            "Patient": f"PROMIS-{1 + i // 6:02d}-{i:03d}",
            "AE no.": str(i % 6 + 1),
            "Verbatim term": f"Neutropenia episode {i} with a verbatim description",
            "Preferred term": "Neutrophil count decreased",
            "System organ class": "Investigations",
            "Onset (day)": f"2025-0{1 + i % 9}-1{i % 10} ({i + 3})",
            "End": "2025-10-01",
            "Grade": str(3 + i % 2),
            "Serious": "N",
            "Related": "SBRT; gemcitabine",
            "Outcome": "RECOVERED/RESOLVED",
        }
        for i in range(n_rows)
    ]
    return TLF(
        kind="Listing",
        number="16.2.7.2",
        title="Adverse events of grade >= 3",
        analysis_set="Safety analysis set",
        footnotes=(),
        source="Source: benchmark",
        analysis_ids=("SAF-AE-02",),
        body=pd.DataFrame(rows),
        landscape=True,
    )


def bench_listing_scaling() -> None:
    from osteo_stats.derive.analysis_data import derive_analysis_data
    from osteo_stats.load import load_trial
    from osteo_stats.render.context import build_report_context
    from osteo_stats.render.html import render_html, tlf_view
    from osteo_stats.render.pdf import html_to_pdf
    from osteo_stats.render.report import template_context
    from osteo_stats.render.spec import report_spec
    from osteo_stats.sap import load_sap

    sap = load_sap()
    ad = derive_analysis_data(load_trial(DATA, sap), sap)
    spec = report_spec("dmc")
    base = template_context(spec, build_report_context(ad, ["bench"]), [])
    print("listing layout scaling (one long listing appended to the DMC report):")
    baseline = None
    for n_rows in (0, 100, 200, 400, 800):
        context = dict(base)
        if n_rows:
            view = tlf_view(_listing(n_rows))
            section = base["sections"][-1]
            context["sections"] = [
                *base["sections"][:-1],
                type(section)(**{**section.__dict__, "items": (*section.items, view)}),
            ]
        result = html_to_pdf(render_html("dmc.html.j2", context))
        if baseline is None:
            baseline = result
            layout = result.layout_seconds
            print(f"  {'no listing':>10}: {result.pages:3d} pages, layout {layout:6.2f} s")
            continue
        extra_pages = result.pages - baseline.pages
        extra_time = result.layout_seconds - baseline.layout_seconds
        print(
            f"  {n_rows:>5} rows: {result.pages:3d} pages (+{extra_pages}), layout "
            f"{result.layout_seconds:6.2f} s, "
            f"{extra_time / max(extra_pages, 1):.3f} s per listing page"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("dmc", "final"), default="dmc")
    parser.add_argument("--scaling", action="store_true", help="add the listing scaling part")
    args = parser.parse_args(argv)
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    sys.path.insert(0, str(REPO / "src"))  # this tree's package, as the subprocesses use
    bench(args.kind)
    if args.scaling:
        bench_listing_scaling()
    return 0


if __name__ == "__main__":
    sys.exit(main())
