"""The one exception type of spikefield (minimal version for the figures and
the output-folder reader; the binding's errors.py replaces it at the merge).

A SpikefieldError carries the message, the key path in the model
("populations.E.params.V_th") and the file position when they are known;
every attribute is None otherwise.
"""


class SpikefieldError(Exception):
    def __init__(self, message, key=None, file=None, line=None, column=None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.file = file
        self.line = line
        self.column = column
