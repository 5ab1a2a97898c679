"""Plain data read back from a checkpoint, checked before it is used. What a run keeps of its data
(a task's meta: vocabularies, labels, scaling) is written as dicts and lists; each such dict has
a form, a pydantic model of its fields and their types, that reading it back goes through. A
file edited by hand, or written by something else, is then refused naming the field it got
wrong (`tokenizer: got 'bpe'; input should be 'char' or 'word'`) instead of failing later, far
from the file, as a KeyError."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from seqcli.recipe.errors import got

SHOWN = 40  # characters of a refused value a message quotes
# How pydantic tags the members of a union in an error's location: not field names.
MEMBER_TAGS = {"int", "float", "str", "bool", "none", "list", "dict", "tuple"}


class Form(BaseModel):
    """A stored dict's fields. Strict: a number stored as text is an error, not a number; no
    infinity or NaN. Fields a newer seqcli adds are ignored."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, frozen=True)

    @classmethod
    def read(cls, data: object):
        """The form of data, or a ValueError naming the first field it gets wrong."""
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise ValueError(field_problem(err)) from None


def field_problem(err: ValidationError) -> str:
    """`path.to.field: what is wrong` (`: what is wrong` for the dict itself); a form's own
    checks (model validators) name their field in the message, a field's check does not."""
    problem = err.errors(include_url=False)[0]
    where = ".".join(str(part) for part in problem["loc"] if _is_field(part))
    message = MESSAGES.get(problem["type"], problem["msg"]).removeprefix("Value error, ")
    if problem["type"] == "value_error" and _whole_form(problem["input"]):
        return under(where, message) if where else message
    if problem["type"] == "value_error":
        return f"{where}: {message}"
    if problem["type"] == "missing":
        return f"{where}: missing"
    return f"{where}: {got(_shown(problem['input']), message)}"


def under(prefix: str, problem: str) -> str:
    """A problem of a form kept under `prefix`: `meta` and `tokens: ...` make
    `meta.tokens: ...`; `meta` and `: got 3; ...` make `meta: got 3; ...`."""
    return f"{prefix}{problem}" if problem.startswith(":") else f"{prefix}.{problem}"


# pydantic's words that name our classes rather than what the file should hold.
MESSAGES = {"model_type": "expected a mapping of fields"}


def _whole_form(value: object) -> bool:
    # A model validator is handed the form's whole dict (loc: the form's own path), a field
    # validator only its field's value (loc: the field), which the message cannot name.
    return isinstance(value, dict | BaseModel)


def _is_field(part: object) -> bool:
    return isinstance(part, int) or not ("[" in str(part) or str(part) in MEMBER_TAGS)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."
