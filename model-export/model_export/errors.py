"""Exception types whose messages are shown to the user as-is by the CLI."""


class ExportError(Exception):
    """A problem the user can fix (bad model folder, wrong config, failed validation).

    The CLI prints the message without a traceback and exits non-zero, so the message
    must say what was wrong and what to do.
    """


class ManifestError(ExportError):
    """A manifest or bundle folder does not satisfy the bundle contract."""


class UnsupportedFormatError(ManifestError):
    """A manifest declares a `format` version this code does not understand."""
