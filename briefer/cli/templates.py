"""``briefer templates``: the built-in templates, and what a template gets (variables, filters)."""

from __future__ import annotations

import click

from .options import CONTEXT_SETTINGS, handle_errors


class _VariablesEpilog(click.Command):
    """Ends ``--help`` (and so docs/cli.md) with the variables of each kind of template, read lazily."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ..output.render import FILTERS, VARIABLES

        for kind, variables in VARIABLES.items():
            with formatter.section(f"Variables of a {kind} template"):
                formatter.write_dl(list(variables.items()))
        with formatter.section("Filters"):
            formatter.write_dl(list(FILTERS.items()))


@click.command(cls=_VariablesEpilog, context_settings=CONTEXT_SETTINGS)
@click.argument("name", required=False)
@click.option("--source", "show_source", is_flag=True, help="Print the template's text.")
@handle_errors
def templates(name: str | None, show_source: bool) -> None:
    """List the built-in templates, or show what template NAME (a built-in name or a .j2 file) gets.

    Use a brief template with `briefer brief ARTICLE --template NAME`, a digest template with
    `template = "NAME"` in a digest config. Templates are Jinja2, sandboxed, with every printed
    value Markdown-escaped; a template is checked (syntax, that it fits the command, and that it
    stays within its time and size limits on a sample) before any model is asked.
    """
    from ..output.render import BUILTINS, builtin_names

    if name is None:
        width = max(len("NAME"), *map(len, BUILTINS))
        click.echo(f"{'NAME':<{width}}  {'FOR':<6}  SHOWS")
        for builtin in builtin_names():
            kind, what = BUILTINS.get(builtin, ("?", ""))
            click.echo(f"{builtin:<{width}}  {kind:<6}  {what}")
        return
    _show(name, show_source)


def _probe(name: str, kind: str) -> None:
    """Try a user's template on a sample under its limits, as ``brief`` and ``digest`` do before a model call."""
    from ..digest.assemble import probe_digest_template
    from ..output.sample import probe_brief_template

    (probe_brief_template if kind == "brief" else probe_digest_template)(name)


def _show(name: str, show_source: bool) -> None:
    """One template: its kind, file, the variables it uses, and those its kind gets."""
    from ..errors import ConfigError
    from ..output.render import BUILTINS, VARIABLES, check_template, resolve_template

    directory, file = resolve_template(name)
    if show_source:
        click.echo((directory / file).read_text(encoding="utf-8"), nl=False)
        return
    fits, problems = {}, []
    for kind in VARIABLES:
        try:
            fits[kind] = check_template(name, kind)
        except ConfigError as exc:
            problems.append(str(exc))
    if not fits:
        raise ConfigError(problems[0])
    kind, used = next(iter(fits.items()))
    _probe(name, kind)
    what = BUILTINS[name][1] if name in BUILTINS else "your template"
    click.echo(f"{name}: a {kind} template — {what}\nfile: {directory / file}")
    click.echo(f"uses: {', '.join(sorted(used)) or 'no variables'}\n\nvariables of a {kind} template:")
    width = max(map(len, VARIABLES[kind]))
    for variable, meaning in VARIABLES[kind].items():
        click.echo(f"  {variable:<{width}}  {meaning}")
