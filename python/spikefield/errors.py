"""Errors of spikefield as Python exceptions.

Every failing C call raises SpikefieldError carrying the C library's message
unchanged (.message) and what can be read out of it: the model file position
(.file, .line, .column) and the dotted key path (.key) of a model error.
The C messages have the forms (docs/model-format.md, include/spikefield/model.h)

    FILE:LINE:COL: key.path: what          a model file or string
    FILE:LINE:COL: error: what             a YAML syntax error (no key path)
    --set path=value: key.path: what       an override
    NAME (builder): key.path: what         a model built by calls

SpikefieldError derives from ValueError for bad input (so ``except
ValueError`` catches a bad model), from MemoryError for SF_ERR_NOMEM and
SF_ERR_TOO_BIG, and from OSError for SF_ERR_IO.
"""
import re

_KEY = r"(?P<key>[A-Za-z_][^\s:]*)"
_FILEPOS = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?:" + _KEY + r": )?(?P<what>.*)$",
                      re.S)
_SOURCE = re.compile(r"^(?P<file>--set [^:]*|.+? \(builder\)): (?:" + _KEY + r": )?(?P<what>.*)$", re.S)

STATUS_NAMES = ["SF_OK", "SF_ERR_NOMEM", "SF_ERR_IO", "SF_ERR_PARSE", "SF_ERR_MODEL", "SF_ERR_ARG",
                "SF_ERR_RANGE", "SF_ERR_TOO_BIG", "SF_ERR_NOCONV", "SF_ERR_NUMERIC",
                "SF_ERR_INTERRUPTED"]


class SpikefieldError(Exception):
    """A failure reported by the C library (or a bad argument found here).

    message: the C text; status: the sf_status name ("SF_ERR_MODEL", ...);
    key: the dotted key path or None; file, line, column: where in the model
    (file is the file name, the model's name for strings, "--set ..." for an
    override or "NAME (builder)" for a built model; line and column None when
    the message carries none).
    """

    def __init__(self, message, status=None, key=None, file=None, line=None, column=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.key = key
        self.file = file
        self.line = line
        self.column = column

    @classmethod
    def from_c(cls, code, message, strerror=None):
        message = message or strerror or "unknown error"
        status = STATUS_NAMES[code] if 0 <= code < len(STATUS_NAMES) else str(code)
        kind = {"SF_ERR_NOMEM": SpikefieldMemoryError, "SF_ERR_TOO_BIG": SpikefieldMemoryError,
                "SF_ERR_IO": SpikefieldIOError}.get(status, SpikefieldValueError)
        m = _FILEPOS.match(message)
        if m:
            key = m.group("key")
            return kind(message, status, None if key == "error" else key, m.group("file"),
                        int(m.group("line")), int(m.group("column")))
        m = _SOURCE.match(message)
        if m:
            return kind(message, status, m.group("key"), m.group("file"))
        return kind(message, status)


class SpikefieldValueError(SpikefieldError, ValueError):
    """Bad input: a model error, an invalid argument, a value out of range."""


class SpikefieldMemoryError(SpikefieldError, MemoryError):
    """Out of memory, or a network too big for the available memory."""


class SpikefieldIOError(SpikefieldError, OSError):
    """Reading or writing a file failed."""

    def __str__(self):
        return self.message
