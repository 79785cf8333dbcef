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

    Covers the fingerprint rules and, unless --dir is given, every other shipped family too
    (attribution, policies, egress destinations, screening terms, risks (CVE) and lab profiles),
    each verified once. Prints one line per problem as FILE:LINE: message and exits 1 when there
    is any.

    \b
    Examples:
      camaudit rules verify
      camaudit rules verify --negatives tests/data/negatives --corpus tests/corpus
    """
    from camaudit.fingerprints.schema import load_rules
    from camaudit.rulefiles.registry import verify_all, verify_family

    loaded = load_rules(directory)
    problems = (verify_family("fingerprints", directory, negatives) if directory is not None
                else verify_all(negatives=negatives))
    if corpus is not None:
        from camaudit.fingerprints.corpus import load_corpus, render, run

        result = run(load_corpus(corpus), loaded)
        click.echo(render(result))
        problems += result.problems()
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
