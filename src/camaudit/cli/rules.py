"""``camaudit rules verify|list``: check and list the shipped fingerprint rules."""

from __future__ import annotations

from pathlib import Path

import click

from camaudit.cli.output import HELP_SETTINGS, exit_with_problems


@click.group(context_settings=HELP_SETTINGS)
def rules() -> None:
    """Check and list the fingerprint rules (data files shipped with camaudit)."""


@rules.command("verify")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False),
              help="Fingerprint rule directory to verify (default: the shipped rules).")
@click.option("--negatives", type=click.Path(path_type=Path, file_okay=False),
              help="Directory of generic negatives no maker rule may match.")
@click.option("--corpus", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Directory of real device replies (tests/corpus): identify each, print hits "
                   "and false hits per rule, results per maker and precision per confidence "
                   "band; a rule naming another maker than the reply's is a problem.")
def rules_verify(directory: Path | None, negatives: Path | None, corpus: Path | None) -> None:
    """Run every rule's examples and the shadowing, vocabulary and negative checks.

    Covers the fingerprint rules and, unless --dir is given, the shipped attribution,
    policy, egress destination, screening and risk (CVE) rules too. Prints one line per problem as
    FILE:LINE: message and exits 1 when there is any.

    \b
    Examples:
      camaudit rules verify
      camaudit rules verify --negatives tests/data/negatives --corpus tests/corpus
    """
    from camaudit.fingerprints.schema import load_rules
    from camaudit.fingerprints.verify import load_negatives, verify

    loaded = load_rules(directory)
    problems = verify(loaded, load_negatives(negatives) if negatives else None)
    if corpus is not None:
        from camaudit.fingerprints.corpus import load_corpus, render, run

        result = run(load_corpus(corpus), loaded)
        click.echo(render(result))
        problems += result.problems()
    if directory is None:
        from camaudit.attribution import verify_attribution
        from camaudit.egress.rules import verify as verify_egress
        from camaudit.policy import verify_policies
        from camaudit.risks import verify_risks
        from camaudit.screening.verify import verify as verify_screening

        problems += verify_attribution() + verify_policies() + verify_egress()
        problems += verify_screening() + verify_risks()
    exit_with_problems(problems, f"{len(loaded)} fingerprint rules")


@rules.command("list")
@click.option("--key", help="Only rules for this observation key.")
def rules_list(key: str | None) -> None:
    """List rules: id, key, grade, what they set, and source."""
    from camaudit.fingerprints.schema import load_rules

    for r in load_rules():
        if key and r.key != key:
            continue
        sets = ",".join(f"{k}={v}" for k, v in r.set.items())
        click.echo(f"{r.id}\t{r.key}\t{r.grade}\t{sets}\t{r.source}")
