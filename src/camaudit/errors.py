"""camaudit's exceptions, as the code raises them.

    CamauditError            anything the CLI turns into a one-line message and exit 2
     +-- UsageError          bad targets, port lists, kinds, input files given by the user
     +-- RuleError           a rule, policy or profile file is wrong (message names file:line)
     +-- LabError            the lab cannot start, stop or be listed
     +-- InventoryError      the inventory cannot be opened, migrated, read or written

Library code raises these wherever the problem is the user's input, data file, lab or
inventory, with the message the user will read (naming the file, line, field or address): the
command line prints ``camaudit: error: <message>`` and exits 2, and any other exception is an
internal error (exit 3, never 1, which means findings). Small parsers of values the caller
checks (``ValueError`` from ``wire.ports.parse_ports``, ``egress.flows.FieldError`` and
``lab.auth.SpecError``, both ``ValueError``) raise builtins; their callers turn them into one of
the above or into a damage entry. Sans-I/O codecs (``camaudit.wire``) raise nothing: a reply
they cannot use is a record marked invalid.

Failures of a single probe against a single host are not exceptions at this level: they become
``ProbeError`` records on the device (see ``model.py``) and the scan goes on.
"""


class CamauditError(Exception):
    """Base of every error the command line reports as one line and exit status 2."""


class UsageError(CamauditError):
    """Input the user gave cannot be used, e.g. ``bad target '10.0.0.300'``."""


class RuleError(CamauditError):
    """A data file (rules, vocabularies, profiles) is malformed; the message names file:line."""


class LabError(CamauditError):
    """The emulated lab cannot be brought up, listed or taken down."""


class InventoryError(CamauditError):
    """The inventory cannot be opened, migrated, read or written (message names the store)."""
