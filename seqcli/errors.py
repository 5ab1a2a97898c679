"""User-facing errors: each becomes a red line on stderr (a line per problem) and exit code 2."""


class SeqcliError(Exception):
    """A problem with what the user gave us (never a bug of ours)."""

    def lines(self) -> list[str]:
        """What the user reads, each an `error:` line: one, unless several things are wrong."""
        return [str(self)]


class RecipeError(SeqcliError):
    """The recipe file or a --set override is wrong."""


class Listed:
    """An error of several problems, each a line of its own."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return self.problems


class RecipeProblems(Listed, RecipeError):
    """Every key of a recipe that is wrong, a line each."""


class DataError(SeqcliError):
    """A data file is missing, unreadable or does not fit the recipe."""


class CheckpointError(SeqcliError):
    """A checkpoint or run folder cannot be used."""


class UsageError(SeqcliError):
    """A command-line flag has a value we cannot act on."""


class OutputError(SeqcliError):
    """stdout cannot take the output (a full disk); a closed stdout is no error (ui)."""


class CheckpointProblems(Listed, CheckpointError):
    """Every key of a checkpoint's stored recipe that no longer validates, a line each."""


class NonFiniteScores(CheckpointError):
    """The weights produce NaN or infinite scores: the model has diverged."""
