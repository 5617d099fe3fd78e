"""The base class of every input error proofkit reports (the CLI prints it as one line, exit code 2)."""


class ProofkitError(ValueError):
    """Bad input: a target, a file, a parameter. Subclasses name the layer that found it."""
