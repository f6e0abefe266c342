"""The ``osteo-stats`` command line: parse arguments, call the library, print.

Every command that reads data validates it first and refuses to write anything from invalid
data. Errors the package raises on purpose are printed as messages, never as tracebacks, and
the process exits non-zero.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from osteo_stats.errors import DataValidationError, OsteoStatsError
from osteo_stats.load.issues import safe_text
from osteo_stats.sap import SAP, load_sap

app = typer.Typer(
    name="osteo-stats",
    help="PROMIS trial statistics: validate data, build the synthetic trial, check the design.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
design_app = typer.Typer(help="Simon two-stage design tools (SAP 5).", no_args_is_help=True)
app.add_typer(design_app, name="design")


def _wide_unless_terminal(console: Console) -> Console:
    # Redirected to a file or a CI log nothing limits the width: keep table rows on one line.
    return console if console.is_terminal else Console(stderr=console.stderr, width=200)


console = _wide_unless_terminal(Console())
err_console = _wide_unless_terminal(Console(stderr=True))

EXIT_INVALID_DATA = 1
EXIT_USAGE = 2

DEFAULT_DATA_DIR = Path("data/synthetic")
#: Largest --jobs either way (joblib: -J is all cores but J - 1): far above any machine's
#: cores, and an integer every process pool can take (10**20 overflowed).
MAX_JOBS = 4096
OUT_HELP = (
    "Output directory: new, empty or an earlier osteo-stats output of the same command, which "
    "is replaced atomically (never a folder with files osteo-stats did not write)."
)

SapOption = Annotated[
    Path | None,
    typer.Option("--sap", help="SAP configuration file (default: the packaged sap.yaml)."),
]
MappingOption = Annotated[
    str | None,
    typer.Option(
        "--mapping",
        metavar="FILE|NAME",
        help="Read a standard CDISC ADaM through a declared mapping: a YAML file, or the name "
        "of a shipped one (admiral, pharmaverse-example). See sap/MAPPING.md.",
    ),
]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the package's own errors into a printed message and a non-zero exit."""
    try:
        yield
    except DataValidationError as exc:
        _print_issues(
            exc.issues,
            title="Data validation failed: nothing was written",
            pointer=_FULL_LIST.format(data="DATA"),
        )
        raise typer.Exit(EXIT_INVALID_DATA) from None
    except OsteoStatsError as exc:
        # The message quotes paths and values the user gave: never read them as markup.
        # Our messages may span lines; each line is still printed inert.
        message = "\n".join(_plain(line) for line in str(exc).splitlines())
        # soft_wrap: a long path stays on the line of "error:" instead of leaving it bare.
        err_console.print(
            Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_INVALID_DATA) from None


def _load_sap(path: Path | None) -> SAP:
    with _user_errors():
        return load_sap(path)


def _plain(value: object) -> str:
    """Data as inert text: control, format and odd space characters shown escaped (``\\x1b``).

    Print the result as :class:`rich.text.Text` or straight to the file, never as markup.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return safe_text(str(value), limit=sys.maxsize)


_FULL_LIST = "Every issue, one row each: osteo-stats validate {data} --issues issues.csv (or .json)"


def _print_issues(
    issues: list[Any], title: str, sap: SAP | None = None, pointer: str | None = None
) -> None:
    """The grouped summary (:mod:`osteo_stats.load.summary`), every line printed inert.

    ``sap`` gives the model columns (far-from-model notice, expected columns); ``pointer`` ends
    the summary with where the full list is.
    """
    from osteo_stats.load.summary import model_columns, summary_lines

    lines = summary_lines(issues, title, model_columns(sap) if sap else None, pointer)
    _write_plain([_plain(line) for line in lines])


def _write_plain(lines: list[str]) -> None:
    stream = err_console.file
    stream.write("\n".join(lines) + "\n")
    stream.flush()


# Only the calendar date the help names: date.fromisoformat also takes 20251231 and week dates
# (2026-W01-1), which a typo or a misread option would turn into a quietly different cut-off.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        err_console.print(
            f"error: {option} = {_plain(repr(value))} is not a date. Hint: use YYYY-MM-DD, "
            "e.g. 2025-06-30.",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE) from None


@app.command()
def validate(
    data_dir: Annotated[
        Path,
        typer.Argument(help="Directory holding ADSL, ADAE, ADRS, ADTR, ADEX (and ADBM, ADLB)."),
    ] = DEFAULT_DATA_DIR,
    data_option: Annotated[
        Path | None,
        typer.Option("--data", help="The data directory, as the other commands take it."),
    ] = None,
    issues_file: Annotated[
        Path | None,
        typer.Option(
            "--issues",
            help="Also write every issue, one row each, to this .csv or .json file (new, or an "
            "earlier --issues file, which is replaced).",
            dir_okay=False,
        ),
    ] = None,
    sap_path: SapOption = None,
    mapping: MappingOption = None,
    cutoff: Annotated[
        str | None,
        typer.Option(
            "--cutoff",
            help="Also check an analysis cut-off YYYY-MM-DD as analyze and report would.",
        ),
    ] = None,
) -> None:
    """Validate a data directory against the SAP data model: a grouped summary of the problems.

    Every check a command that analyses applies to its data runs here (one gate).
    """
    from osteo_stats.load import validate_trial
    from osteo_stats.load.overview import summarise_trial

    if data_option is not None:
        data_dir = data_option
    if issues_file is not None and issues_file.suffix.lower() not in (".csv", ".json"):
        err_console.print(
            f"error: --issues {_plain(issues_file)}: the file name must end in .csv or .json.",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_USAGE)
    sap = _load_sap(sap_path)
    cutoff_date = _parse_date(cutoff, "--cutoff")
    with _user_errors():
        if issues_file is not None:  # an impossible --issues file is said before the long work
            from osteo_stats.outputs import check_output_file

            check_output_file(issues_file, keep_out=_keep_out(data_dir))
        data, issues = validate_trial(data_dir, sap, mapping, cutoff=cutoff_date)
    if issues_file is not None:
        _write_issues(issues, issues_file, data_dir, sap_path)
        pointer = f"Every issue, one row each: {_plain(issues_file)} ({len(issues):,} rows)"
    else:
        pointer = "Every issue, one row each: add --issues issues.csv (or .json)"
    if data is None:
        _print_issues(issues, f"{data_dir}: data validation failed", sap, pointer)
        raise typer.Exit(EXIT_INVALID_DATA)

    overview = summarise_trial(data)
    console.print(
        Text.assemble(
            (f"{_plain(data_dir)}: valid", "bold green"),
            f" - data cut-off {overview.cutoff:%Y-%m-%d}, SAP {_plain(sap.sap_version)}",
        ),
        highlight=False,
    )
    console.print(_frame_table(overview.datasets, "Datasets read"))
    console.print(_frame_table(overview.patients, "Trial data summary"))
    if issues:  # warnings and notes only: an error would have stopped above
        _print_issues(issues, "Warnings and notes (not blocking)", sap, pointer)


def _write_issues(issues: list[Any], path: Path, data_dir: Path, sap_path: Path | None) -> None:
    """``validate --issues``: every issue to ``path`` under the output rule of outputs.py."""
    from osteo_stats.load.summary import issues_csv_text, issues_json_text
    from osteo_stats.outputs import atomic_output_file

    text = issues_json_text(issues) if path.suffix.lower() == ".json" else issues_csv_text(issues)
    argv = _effective_command("validate", data_dir, "--issues", path)
    argv += ["--sap", str(sap_path)] if sap_path is not None else []
    with _user_errors():
        atomic_output_file(path, text.encode("utf-8"), command=argv, keep_out=_keep_out(data_dir))


def _frame_table(frame: Any, title: str) -> Table:
    """A small frame as a rich table; every cell and the title are data, never markup."""
    table = Table(title=Text(_plain(title)), title_justify="left")
    for column in frame.columns:
        table.add_column(Text(_plain(column)), overflow="fold")
    for record in frame.itertuples(index=False):
        table.add_row(*(Text(_plain(str(value))) for value in record))
    return table


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help=OUT_HELP)],
    n: Annotated[
        int,  # max: osteo_stats.synth._simulate.MAX_PATIENTS
        typer.Option("--n", min=1, max=10_000, help="Number of patients (at most 10,000)."),
    ] = 43,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed for numpy.random.Generator.")
    ] = 20240301,
    cutoff: Annotated[
        str | None,
        typer.Option(
            "--cutoff",
            help="Data cut-off YYYY-MM-DD, or 'stage1' for the date the n1-th patient reaches "
            "the primary landmark (default: final analysis).",
        ),
    ] = None,
    sap_path: SapOption = None,
) -> None:
    """Generate the seeded synthetic PROMIS trial as CSV (OUT/) and SAS transport (OUT/xpt/)."""
    import pandas as pd

    from osteo_stats.synth import generate_trial, interim_cutoff_for, write_trial

    sap = _load_sap(sap_path)
    try:
        if cutoff == "stage1":
            full = generate_trial(sap, n_patients=n, seed=seed)
            cutoff_date = interim_cutoff_for(
                full, sap.design.n1, sap.primary_endpoint.landmark_months, sap=sap
            )
        else:
            cutoff_date = _parse_date(cutoff, "--cutoff")
        datasets = generate_trial(sap, n_patients=n, seed=seed, cutoff=cutoff_date)
    except ValueError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    argv = _effective_command("synth", "--out", out, "--n", n, "--seed", seed)
    if cutoff is not None:
        argv += ["--cutoff", cutoff]
    with _user_errors():
        written = write_trial(datasets, out, command=argv)
    adsl = datasets["ADSL"]
    console.print(
        f"Wrote {len(written)} files for {len(adsl)} patients to {_plain(out)} "
        f"(seed {seed}, cut-off {pd.Timestamp(adsl['DCUTDT'].iloc[0]):%Y-%m-%d})",
        markup=False,
        highlight=False,
    )


@design_app.command("check")
def design_check(
    sap_path: SapOption = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            "--plots",
            help="Also write stage1_timing.svg (enrolment against time, stage-1 decision "
            "marked) into this directory (new, empty or an earlier --plots output).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Recompute the Simon design from the SAP's p0, p1, alpha and power; confirm n1/r1/n/r."""
    from osteo_stats.analyse.design import check_design, operating_characteristics
    from osteo_stats.analyse.design_timing import stage1_timing

    sap = _load_sap(sap_path)
    with _user_errors():
        check = check_design(sap.design)
    if not check.agrees:
        err_console.print(f"[bold red]design check failed:[/] {check.message}", highlight=False)
        raise typer.Exit(EXIT_INVALID_DATA)
    console.print(f"[bold green]design check passed:[/] {check.message}", highlight=False)
    oc = operating_characteristics(check.stated, sap.design.oc_grid)
    console.print(
        _frame_table(oc.round(4), f"Operating characteristics ({check.stated.rule}), SAP 5")
    )
    d = sap.design
    timing = stage1_timing(
        r1=d.r1,
        n1=d.n1,
        n=d.n,
        p0=d.p0,
        landmark_months=sap.primary_endpoint.landmark_months,
        accrual_per_month=sap.study.planned_enrollment / sap.study.planned_accrual_months,
    )
    console.print(timing.sentence(), markup=False, highlight=False)
    if plots is not None:
        from osteo_stats.outputs import atomic_output_dir
        from osteo_stats.tlf.plots.design import stage1_timing_svg

        sap_args = ("--sap", sap_path) if sap_path is not None else ()
        argv = _effective_command("design", "check", *sap_args, "--plots", plots)
        with _user_errors(), atomic_output_dir(plots, command=argv) as scratch:
            (scratch / "stage1_timing.svg").write_text(stage1_timing_svg(timing), "utf-8")
        err_console.print(
            f"Wrote stage1_timing.svg to {_plain(plots)}", markup=False, highlight=False
        )


@design_app.command("logrank")
def design_logrank(
    hr: Annotated[
        float | None,
        typer.Option(
            "--hr",
            help="Target hazard ratio against the control (default: ln(p1)/ln(p0) of the SAP).",
        ),
    ] = None,
    n: Annotated[
        int | None,
        typer.Option("--n", min=1, max=10_000, help="Patients (default: the SAP's design n)."),
    ] = None,
    power: Annotated[
        float | None, typer.Option("--power", help="Target power (default: SAP).")
    ] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="One-sided alpha (default: SAP).")
    ] = None,
    reps: Annotated[
        int, typer.Option("--reps", min=2, max=1_000_000, help="Simulated trials.")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Simulation seed.")] = 20150101,
    sap_path: SapOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Power and sample size of the one-sample log-rank test against the control (SAP 5.9)."""
    import json
    import math

    import pandas as pd

    from osteo_stats.analyse.logrank_design import logrank_design

    sap = _load_sap(sap_path)
    d, control = sap.design, sap.inference.historical_control
    hr = math.log(d.p1) / math.log(d.p0) if hr is None else hr
    n = d.n if n is None else n
    power = d.power if power is None else power
    alpha = d.alpha if alpha is None else alpha
    try:
        design = logrank_design(
            hazard_ratio=hr,
            control_survival=control.survival_at_landmark,
            control_landmark=control.landmark_months,
            shape=1.0,  # inference.historical_control.distribution: exponential
            accrual_months=sap.study.planned_accrual_months,
            followup_months=sap.primary_endpoint.landmark_months,
            alpha=alpha,
            names={"hazard_ratio": "--hr", "alpha": "--alpha"},
        )
        if not 0 < power < 1:  # NaN fails too
            raise ValueError(f"--power = {power!r} must lie strictly between 0 and 1")
        n_needed = design.sample_size(power)
        simulated, mc_se = design.simulated_power(n, reps=reps, seed=seed)
    except ValueError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    result = {
        "hazard_ratio": hr,
        "alpha": alpha,
        "n": n,
        "power_wu": design.power(n),
        "power_simulated": simulated,
        "power_simulated_mc_se": mc_se,
        "reps": reps,
        "seed": seed,
        "target_power": power,
        "n_for_target_power_wu": n_needed,
        "expected_events_h1": n * design.p1,
        "accrual_months": design.accrual_months,
        "followup_months": design.followup_months,
    }
    if as_json:
        typer.echo(json.dumps({**result, "moments": design.to_dict()}, indent=2))
        return
    title = (
        f"One-sample log-rank design (SAP 7.3.8, Wu 2015): exponential control S("
        f"{control.landmark_months:g}) = {control.survival_at_landmark:g}, HR {hr:.4f}"
    )
    console.print(_frame_table(pd.DataFrame([result]).round(4), title))


@design_app.command("simon")
def design_simon(
    p0: Annotated[
        float | None, typer.Option("--p0", help="Uninteresting response rate (H0; default: SAP).")
    ] = None,
    p1: Annotated[
        float | None, typer.Option("--p1", help="Target response rate (H1; default: SAP).")
    ] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="One-sided type I error (default: SAP).")
    ] = None,
    power: Annotated[float | None, typer.Option("--power", help="Power at p1 (default: SAP).")] = (
        None
    ),
    nmax: Annotated[
        int,  # max: osteo_stats.analyse.design.MAX_N
        typer.Option("--nmax", min=2, max=500, help="Largest total n searched (at most 500)."),
    ] = 100,
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            min=2,
            max=500,
            help="Fix the maximum sample size: the best rule with exactly this n (min EN(p0)).",
        ),
    ] = None,
    n1: Annotated[
        int | None,
        typer.Option("--n1", min=1, max=499, help="Fix the stage-1 sample size."),
    ] = None,
    compare_sap: Annotated[
        bool,
        typer.Option(
            "--compare-sap",
            help="Show the re-searched rule beside the SAP's planned rule, both at these "
            "assumptions.",
        ),
    ] = False,
    sap_path: SapOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plots: Annotated[
        Path | None,
        typer.Option(
            "--plots",
            help="Also write simon_frontier.svg and simon_oc.svg into this directory "
            "(new, empty or an earlier --plots output).",
            file_okay=False,  # an existing regular file is a usage error, checked up front
        ),
    ] = None,
) -> None:
    """Print every admissible Simon design (minimax to optimal), or the best rule at a fixed n.

    Unset hypotheses come from the SAP's design block (SAP 5). With --n and/or --n1 the search
    is restricted to those sizes; with --compare-sap the planned rule is shown beside it.
    """
    import json

    import pandas as pd

    from osteo_stats.analyse.design import (
        compare_rules,
        operating_characteristics,
        simon_design_for_n,
        simon_designs,
    )

    sap = _load_sap(sap_path)
    planned = sap.design
    p0 = planned.p0 if p0 is None else p0
    p1 = planned.p1 if p1 is None else p1
    alpha = planned.alpha if alpha is None else alpha
    power = planned.power if power is None else power
    fixed = n is not None or n1 is not None
    if fixed and plots is not None:
        err_console.print("error: --plots draws the free search; drop it with --n/--n1.")
        raise typer.Exit(EXIT_USAGE)
    try:
        if fixed:
            search = simon_design_for_n(p0, p1, alpha, power, n=n, n1=n1, nmax=nmax)
        else:
            frontier = simon_designs(p0, p1, alpha, power, nmax=nmax)
    except ValueError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    except OsteoStatsError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID_DATA) from None
    assumptions = f"p0={p0}, p1={p1}, alpha={alpha}, power={power}"
    if fixed:
        chosen = search.design if search.feasible else search.best_power
        sizes = ", ".join(f"{k} = {v}" for k, v in (("n", n), ("n1", n1)) if v is not None)
        label = f"re-searched ({sizes})" if search.feasible else f"best power ({sizes})"
        result: dict[str, Any] = search.to_dict()
    else:
        chosen = frontier.design(planned.kind)
        label = f"re-searched ({planned.kind})"
        result = frontier.to_dict()
    comparison = None
    if compare_sap:
        rules = {"planned (sap.yaml)": planned}
        if chosen is not None:
            rules[label] = chosen
        comparison = compare_rules(rules, p0, p1, alpha, power)
        result["comparison"] = comparison.to_dict(orient="records")
    if fixed and chosen is not None:
        oc = operating_characteristics(chosen, planned.oc_grid)
        result["oc"] = oc.to_dict(orient="records")
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    elif fixed:
        if chosen is not None:
            title = f"{chosen.kind}: {chosen.rule}, {assumptions}"
            console.print(_frame_table(pd.DataFrame([chosen.to_dict()]).round(4), title))
            console.print(_frame_table(oc.round(4), f"Operating characteristics ({chosen.rule})"))
    else:
        title = f"Simon two-stage designs: {assumptions}"
        console.print(_frame_table(frontier.designs.round(4), title))
    if comparison is not None and not as_json:
        title = f"Planned and re-searched rules at {assumptions}"
        console.print(_frame_table(comparison.round(4), title))
    if fixed:
        if not search.feasible:
            err_console.print(f"error: {search.message}", markup=False, highlight=False)
            raise typer.Exit(EXIT_INVALID_DATA)
        if not as_json:
            console.print(search.message, markup=False, highlight=False)
        return
    if frontier.optimal_near_nmax:
        err_console.print(
            f"warning: the optimal design's n is within 10 of --nmax {nmax}; "
            "increase --nmax to be sure it is optimal.",
            highlight=False,
        )
    if plots is not None:
        from osteo_stats.outputs import atomic_output_dir
        from osteo_stats.tlf.plots.simulation import simon_frontier_svg, simon_oc_svg

        argv = _effective_command("design", "simon", "--p0", p0, "--p1", p1, "--alpha", alpha)
        argv += ["--power", str(power), "--nmax", str(nmax), "--plots", str(plots)]
        with _user_errors(), atomic_output_dir(plots, command=argv) as scratch:
            (scratch / "simon_frontier.svg").write_text(simon_frontier_svg(frontier), "utf-8")
            (scratch / "simon_oc.svg").write_text(simon_oc_svg(frontier), "utf-8")
        err_console.print(
            f"Wrote simon_frontier.svg and simon_oc.svg to {_plain(plots)}",
            markup=False,
            highlight=False,
        )


@app.command()
def simulate(
    scenarios: Annotated[
        Path, typer.Argument(help="Scenario file (YAML), e.g. scenarios/promis.yaml.")
    ],
    out: Annotated[Path, typer.Option("--out", help=OUT_HELP)],
    reps: Annotated[
        int,
        typer.Option(
            "--reps", min=2, max=10_000_000, help="Replicate trials per scenario (MAX_REPS)."
        ),
    ] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Root seed (SeedSequence).")
    ] = 20240301,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=-MAX_JOBS,
            max=MAX_JOBS,
            help="Parallel workers on this machine (-1: all cores; default 1, or all cores with "
            "--scheduler local); results do not depend on it.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run the chunks on a dask cluster: its scheduler address (tcp://host:8786), "
            "or 'local' for a LocalCluster on this machine. Needs the [cluster] extra; results "
            "do not depend on it.",
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write simulation_summary.pdf (slower).")
    ] = False,
) -> None:
    """Simulate power, type I error, PET, sample size and duration for what-if scenarios."""
    import warnings

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from osteo_stats.outputs import check_output_dir
    from osteo_stats.simulate import load_scenarios, write_simulation
    from osteo_stats.simulate.runner import oversubscription_warning
    from osteo_stats.simulate.runner import simulate as run_simulation

    class RateColumn(ProgressColumn):
        """Replicates per second (rich's own speed columns format bytes)."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-- rep/s" if speed is None else f"{speed:,.0f} rep/s")

    remote = scheduler is not None and scheduler.strip() != "local"
    if jobs == 0:
        err_console.print("error: --jobs must be a positive number or negative (-1: all cores).")
        raise typer.Exit(EXIT_USAGE)
    if remote and jobs is not None:
        err_console.print(
            f"error: --jobs sets the workers on this machine; the cluster at {_plain(scheduler)} "
            "has its own workers: drop --jobs (or use --scheduler local --jobs J).",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_USAGE)
    if jobs is None:
        jobs = -1 if scheduler is not None else 1
    if not remote and (message := oversubscription_warning(jobs, label=f"--jobs {jobs}")):
        err_console.print(f"warning: {message}", markup=False, highlight=False)
    argv = _effective_command("simulate", scenarios, "--reps", reps, "--seed", seed)
    argv += ["--jobs", str(jobs)] if not remote else []
    argv += ["--scheduler", scheduler] if scheduler is not None else []
    argv += ["--out", str(out)]
    with _user_errors():
        check_output_dir(out)  # before the simulation, not after it
        searching: list[Any] = []  # the progress bar of the Simon searches, once started

        def search_progress(done: int, total: int, estimate: float) -> None:
            if done == 0:
                bar = Progress(
                    *(c for c in columns if not isinstance(c, RateColumn)),
                    console=err_console,
                    transient=True,
                )
                bar.start()
                description = f"Simon searches (estimated {estimate:,.0f} s)"
                searching[:] = [bar, bar.add_task(description, total=total)]
            elif searching:
                searching[0].update(searching[1], completed=done)

        columns = (
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            "ETA",
            TimeRemainingColumn(),
        )
        try:
            loaded = load_scenarios(scenarios, progress=search_progress)
        finally:
            if searching:
                searching[0].stop()
        total = reps * len(loaded)
        # Workers (loky processes, a cluster) take seconds to start: say so until a chunk is in.
        starting = scheduler is not None or jobs != 1
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task("starting workers" if starting else "simulating", total=total)

            def advance(k: int) -> None:
                bar.update(task, advance=k, description="simulating")

            try:
                with warnings.catch_warnings():
                    # Said above as a CLI warning, with the option's name.
                    warnings.filterwarnings("ignore", "jobs=", RuntimeWarning)
                    result = run_simulation(
                        loaded,
                        reps=reps,
                        seed=seed,
                        jobs=jobs,
                        progress=advance,
                        scheduler=scheduler,
                    )
            except KeyboardInterrupt:
                # The output is written only after every chunk: nothing partial exists.
                err_console.print("interrupted: the simulation stopped; nothing was written.")
                raise typer.Exit(130) from None  # 128 + SIGINT, as a shell reports Ctrl-C
        written = write_simulation(result, out, command=argv + ["--pdf"] * pdf, pdf=pdf)
    shown = result.table[
        [
            "scenario",
            "method",
            "design",
            "true_efs_landmark",
            "reject_rate",
            "reject_mc_se",
            "pet",
            "expected_n",
            "mean_duration_months",
            "mean_stage1_decision_months",
        ]
    ]
    console.print(
        _frame_table(shown.round(4), f"Simulation: {reps} replicates per scenario, seed {seed}")
    )
    console.print(f"Wrote {len(written)} files to {_plain(out)}", markup=False, highlight=False)


report_app = typer.Typer(
    help="Committee reports: PDF + HTML, the ARD, each TLF as RTF/CSV/SVG (SAP 10, 11).",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")

DEFAULT_REPORT_DIR = Path("reports/out")


class Paper(StrEnum):
    A4 = "A4"
    letter = "letter"


DataOption = Annotated[
    Path, typer.Option("--data", help="Directory holding the analysis datasets.")
]
CutoffOption = Annotated[
    str | None,
    typer.Option("--cutoff", help="Analysis cut-off YYYY-MM-DD (default: the data's DCUTDT)."),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an earlier report at the same cut-off (a report is otherwise kept as a "
        "record). Files you added to its folder are never removed.",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed",
        help="Seed recorded for any randomised analysis (the current analyses are exact).",
    ),
]


class AnalysisKind(StrEnum):
    interim = "interim"
    final = "final"


AnalysisOption = Annotated[
    AnalysisKind | None,
    typer.Option(
        "--analysis",
        help="Declare the analysis type (SAP 10.3). Default: final from the planned end of the "
        "study (the 24-month date of patient n), an interim look before it; report dmc: interim.",
    ),
]


def _analysis_outputs(
    data_dir: Path,
    cutoff: str | None,
    sap_path: Path | None,
    status: Any,
    areas: tuple[str, ...] | None = None,
    analysis: AnalysisKind | None = None,
    default_analysis: str = "final",
    mapping: str | None = None,
    previous: Callable[[date], date | None] | None = None,
) -> tuple[Any, list[Any], SAP]:
    """Load + validate, derive and build every TLF; exit 1 with the issue table on bad data.

    ``previous`` gives the previous DMC cut-off for the analysis cut-off (SAP 10.4), or None.
    """
    from osteo_stats.derive.analysis_data import choose_analysis_type, derive_analysis_data
    from osteo_stats.load import validate_trial
    from osteo_stats.tlf.build import build_tlfs

    sap = _load_sap(sap_path)
    cutoff_date = _parse_date(cutoff, "--cutoff")
    status.update(Text(f"Loading and validating {_plain(data_dir)}"))
    with _user_errors():
        data, issues = validate_trial(data_dir, sap, mapping, cutoff=cutoff_date)
    if data is None:
        status.stop()
        _print_issues(
            issues,
            title="Data validation failed: nothing was written",
            sap=sap,
            pointer=_FULL_LIST.format(data=shlex.quote(str(data_dir))),
        )
        raise typer.Exit(EXIT_INVALID_DATA)
    if mapping is not None:  # what the tables will show as "not available", said up front
        from osteo_stats.load.summary import not_collected_lines

        _write_plain([_plain(line) for line in not_collected_lines(issues)])
    status.update("Deriving analysis datasets")
    requested = analysis.value if analysis is not None else None
    choice = choose_analysis_type(data, sap, cutoff_date, requested, default_analysis)
    if choice.warning:
        err_console.print(f"warning: {choice.warning}", markup=False, highlight=False)
    previous_cutoff = None if previous is None else previous(cutoff_date or data.cutoff)
    with _user_errors():
        ad = derive_analysis_data(
            data,
            sap,
            cutoff_date,
            analysis_type=choice.analysis_type,
            previous_cutoff=previous_cutoff,
        )
    status.update("Building tables, listings and figures")
    with _user_errors():
        outputs = build_tlfs(ad, areas)
    return ad, outputs, sap


def _keep_out(data_dir: Path) -> dict[Path, str]:
    """Directories no --out may be or contain, besides the current directory."""
    return {data_dir: "the input data"}


def _effective_command(*parts: object) -> list[str]:
    """The command line with every option as it took effect (for the provenance page)."""
    return ["osteo-stats", *(str(part) for part in parts if part is not None)]


@app.command()
def analyze(
    data_dir: DataOption = DEFAULT_DATA_DIR,
    cutoff: CutoffOption = None,
    out: Annotated[Path, typer.Option("--out", help=OUT_HELP)] = DEFAULT_REPORT_DIR / "analysis",
    sap_path: SapOption = None,
    analysis: AnalysisOption = None,
    mapping: MappingOption = None,
) -> None:
    """Write the ARD (CSV, JSON) and every TLF as CSV (tables, listings) or SVG (figures)."""
    from osteo_stats.outputs import check_output_dir
    from osteo_stats.render import write_analysis
    from osteo_stats.render.adam import adam_writer

    with _user_errors():
        check_output_dir(out, keep_out=_keep_out(data_dir))
    with console.status("Starting") as status:
        ad, outputs, _ = _analysis_outputs(
            data_dir, cutoff, sap_path, status, analysis=analysis, mapping=mapping
        )
        argv = _effective_command(
            "analyze", "--data", data_dir, "--cutoff", f"{ad.cutoff:%Y-%m-%d}"
        )
        argv += ["--analysis", ad.analysis_type, "--out", str(out)]
        argv += ["--sap", str(sap_path)] if sap_path is not None else []
        argv += ["--mapping", mapping] if mapping is not None else []
        status.update(Text(f"Writing {_plain(out)}"))
        with _user_errors():
            files = write_analysis(
                outputs,
                out,
                analysis_type=ad.analysis_type,
                command=argv,
                keep_out=_keep_out(data_dir),
                extra_files=adam_writer(ad, efficacy=True),
            )
    console.print(
        f"Wrote {len(files)} files for {len(outputs)} TLFs to {_plain(out)} "
        f"(data cut-off {ad.cutoff:%Y-%m-%d}, {ad.analysis_type} analysis)",
        markup=False,
        highlight=False,
    )


def _report(
    kind: str,
    data_dir: Path,
    cutoff: str | None,
    out: Path,
    paper: Paper,
    seed: int | None,
    sap_path: Path | None,
    force: bool,
    analysis: AnalysisKind | None = None,
    mapping: str | None = None,
    previous_cutoff: str | None = None,
) -> None:
    from osteo_stats.outputs import check_output_dir, check_output_path
    from osteo_stats.render import build_report_context, write_report
    from osteo_stats.render.adam import adam_writer
    from osteo_stats.render.pdf import start_pdf_layout
    from osteo_stats.render.previous import PreviousDMC, find_previous_dmc, given_previous
    from osteo_stats.render.spec import report_spec
    from osteo_stats.sap import default_sap_path

    cutoff_date = _parse_date(cutoff, "--cutoff")
    given = _parse_date(previous_cutoff, "--previous-cutoff")
    # SAP 10.4: the DMC report flags what is new since the previous one, given or found in OUT.
    chosen: list[PreviousDMC] = []

    def previous(analysis_cutoff: date) -> date | None:
        found = (
            given_previous(given)
            if given is not None
            else find_previous_dmc(out / kind, analysis_cutoff)
        )
        chosen.append(found)
        return found.cutoff

    with _user_errors():
        if cutoff_date is not None:
            check_output_dir(
                out / kind / f"{cutoff_date:%Y-%m-%d}",
                replace=force,
                keep_out=_keep_out(data_dir),
                root=out,
            )
        else:  # the folder's name comes with the data's cut-off: its length is known already
            check_output_path(out / kind / "YYYY-MM-DD", root=out)
    # The DMC report is an interim safety report (SAP 10.2) unless declared otherwise.
    default_analysis = "interim" if kind == "dmc" else "final"
    # WeasyPrint is imported in the process that will lay out the PDF while the data load.
    pdf_layout = start_pdf_layout()
    with console.status("Starting") as status:
        areas = report_spec(kind).areas
        ad, outputs, _ = _analysis_outputs(
            data_dir,
            cutoff,
            sap_path,
            status,
            areas,
            analysis,
            default_analysis,
            mapping,
            previous if kind == "dmc" else None,
        )
        if chosen:
            for skipped in chosen[0].passed_over:  # SAP 10.4: trusted by what it recorded
                console.print(
                    f"Warning: not used as the previous DMC report: {_plain(skipped)}",
                    markup=False,
                    highlight=False,
                )
            console.print(
                f"Previous DMC cut-off: {_plain(chosen[0].statement)}",
                markup=False,
                highlight=False,
            )
        argv = _effective_command(
            "report",
            kind,
            "--data",
            data_dir,
            "--cutoff",
            f"{ad.cutoff:%Y-%m-%d}",
            "--out",
            out,
            "--paper",
            paper.value,
            "--analysis",
            ad.analysis_type,
            *(
                ("--previous-cutoff", f"{ad.previous_cutoff:%Y-%m-%d}")
                if ad.previous_cutoff
                else ()
            ),
            *(("--seed", seed) if seed is not None else ()),
            *(("--sap", sap_path) if sap_path is not None else ()),
            *(("--mapping", mapping) if mapping is not None else ()),
            *(("--force",) if force else ()),
        )
        status.update("Collecting provenance")
        with _user_errors():
            context = build_report_context(
                ad,
                argv,
                seed,
                sap_path=sap_path or default_sap_path(),
                previous_dmc=chosen[0].statement if chosen else "",
            )
            result = write_report(
                kind,
                context,
                outputs,
                out / kind / f"{ad.cutoff:%Y-%m-%d}",
                paper=paper.value,
                on_step=status.update,
                replace=force,
                keep_out=_keep_out(data_dir),
                # The DMC report discloses no efficacy (SAP 10.1, 12.4): no ADTTE, ADRS, ADPRIM.
                extra_files=adam_writer(ad, efficacy=kind != "dmc"),
                pdf_layout=pdf_layout,
                root=out,
            )
    for report in result.reports:  # report dmc: the closed- and the open-session report
        session = f"{report.title.lower()}, " if len(result.reports) > 1 else ""
        console.print(
            Text.assemble(
                (f"{kind.upper()} report written:", "bold green"),
                f" {_plain(report.pdf)} ({report.pages} pages, {session}{ad.analysis_type} "
                "analysis)",
            ),
            highlight=False,
        )
    not_collected = (
        f"{len(result.not_collected)} not available (not collected), "
        if result.not_collected
        else ""
    )
    console.print(
        f"{len(result.shown)} TLFs shown, {not_collected}"
        f"{len(result.not_yet_available)} not yet available; "
        f"{len(result.files)} files in {_plain(result.out_dir)}",
        markup=False,
        highlight=False,
    )
    # Each report's rendering time apart (the open DMC report adds a layout), then the files.
    parts = [
        (f"{report.title.lower()}: " if len(result.reports) > 1 else "")
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.timings.items())
        for report in result.reports
    ]
    parts.append(f"files {result.timings['files']:.1f}s")
    console.print(f"Time: {'; '.join(parts)}", highlight=False)


@report_app.command("dmc")
def report_dmc(
    data_dir: DataOption = DEFAULT_DATA_DIR,
    cutoff: CutoffOption = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output root; the report goes to OUT/dmc/<cut-off>/.")
    ] = DEFAULT_REPORT_DIR,
    paper: Annotated[Paper, typer.Option("--paper", help="Paper size.")] = Paper.A4,
    seed: SeedOption = None,
    sap_path: SapOption = None,
    force: ForceOption = False,
    analysis: AnalysisOption = None,
    mapping: MappingOption = None,
    previous_cutoff: Annotated[
        str | None,
        typer.Option(
            "--previous-cutoff",
            help="Cut-off YYYY-MM-DD of the previous DMC report: AEs, SAEs, deaths, "
            "discontinuations and toxicity looks since then are flagged as new (SAP 10.4). "
            "Default: the latest earlier report in OUT/dmc/.",
        ),
    ] = None,
) -> None:
    """The DMC interim safety reports (SAP 10.2) in OUT/dmc/<cut-off>/: the closed-session report
    (PROMIS_dmc_*), the open-session report (PROMIS_dmc-open_*), one ARD, RTF..."""
    _report(
        "dmc", data_dir, cutoff, out, paper, seed, sap_path, force, analysis, mapping,
        previous_cutoff,
    )  # fmt: skip


@report_app.command("final")
def report_final(
    data_dir: DataOption = DEFAULT_DATA_DIR,
    cutoff: CutoffOption = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output root; the report goes to OUT/final/<cut-off>/.")
    ] = DEFAULT_REPORT_DIR,
    paper: Annotated[Paper, typer.Option("--paper", help="Paper size.")] = Paper.A4,
    seed: SeedOption = None,
    sap_path: SapOption = None,
    force: ForceOption = False,
    analysis: AnalysisOption = None,
    mapping: MappingOption = None,
) -> None:
    """The final study report (SAP 10.3) in OUT/final/<cut-off>/: PDF, HTML, ARD, RTF..."""
    _report("final", data_dir, cutoff, out, paper, seed, sap_path, force, analysis, mapping)


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m osteo_stats``; returns the exit status."""
    command: Callable[..., Any] = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="osteo-stats", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
