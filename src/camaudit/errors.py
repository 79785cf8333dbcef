"""camaudit's exceptions. Inside, code raises builtins; these cross the CLI boundary.

    CamauditError            anything the CLI turns into a one-line message and exit 2
     +-- UsageError          bad targets, port lists, kinds, files given by the user
     +-- RuleError           a rule, policy or profile file is wrong (message names file:line)
     +-- LabError            the lab cannot start, stop or be listed
     +-- InventoryError      the inventory cannot be opened, migrated, read or written

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
