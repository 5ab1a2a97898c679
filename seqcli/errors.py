"""User-facing errors: each becomes one red line on stderr and exit code 2."""


class SeqcliError(Exception):
    """A problem with what the user gave us (never a bug of ours)."""


class RecipeError(SeqcliError):
    """The recipe file or a --set override is wrong."""


class DataError(SeqcliError):
    """A data file is missing, unreadable or does not fit the recipe."""


class CheckpointError(SeqcliError):
    """A checkpoint or run folder cannot be used."""


class UsageError(SeqcliError):
    """A command-line flag has a value we cannot act on."""


class OutputError(SeqcliError):
    """stdout cannot take the output (a full disk); a closed stdout is no error (ui)."""


class NonFiniteScores(CheckpointError):
    """The weights produce NaN or infinite scores: the model has diverged."""
