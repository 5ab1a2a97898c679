"""The Optuna study behind `seqcli tune`: its storage (SQLite in the study folder, or an RDB
URL several machines share), sampler, pruner and the loop that asks it for trials.

Optuna schedules: every process running the same command asks the same storage for the next
trial. A process killed mid-trial stops its heartbeat; after GRACE seconds the next process to
ask marks that trial failed and queues a copy, which resumes the dead trial's run folder."""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from seqcli.errors import UsageError
from seqcli.extras import require
from seqcli.recipe import recipe_to_dict
from seqcli.recipe.tasks import METRICS
from seqcli.tune.space import Param
from seqcli.tune.storage_url import check_storage, shown_url
from seqcli.tune.trial import Base, Emit, Stopper, TrialFailed, TuneInterrupted, run_trial

HEARTBEAT = 10  # seconds between a running trial's signs of life in the storage
GRACE = 30  # seconds of silence after which a running trial is taken for dead
RETRIES = 3  # times a dead trial is queued again
ATTEMPTS = 3  # to open a storage another process may be creating
# What a storage another process is creating at the same moment says (SQLite: both create its
# tables, and both stamp alembic's version row; PostgreSQL: both add a table's row type to its
# catalogue, or the version row); only these are worth another attempt.
RACES = (
    "already exists",
    "database is locked",
    "UNIQUE constraint failed",
    "duplicate key value violates unique constraint",
)

SAMPLERS = {
    "tpe": lambda optuna, seed: optuna.samplers.TPESampler(seed=seed),
    "random": lambda optuna, seed: optuna.samplers.RandomSampler(seed=seed),
}
# Median: a trial whose value at a step is worse than the median of earlier trials' at that
# step stops, once two trials have finished. Hyperband: successive halving over brackets.
PRUNERS = {
    "median": lambda optuna: optuna.pruners.MedianPruner(n_startup_trials=2),
    "hyperband": lambda optuna: optuna.pruners.HyperbandPruner(),
    "none": lambda optuna: optuna.pruners.NopPruner(),
}
WORKER_STRIDE = 100_003  # more than --trials allows: no two workers share a sampler seed
COUNTED = ("COMPLETE", "PRUNED")  # trials that count towards --trials


@dataclass(frozen=True)
class Request:
    """A study to run: the trials' base, the space, how many trials in all, the storage URL
    (None: study.db in the study folder), the sampler and pruner, a time limit in seconds."""

    base: Base
    space: tuple[Param, ...]
    trials: int
    storage: str | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    timeout: float | None = None

    @property
    def name(self) -> str:
        return self.base.out.name

    @property
    def url(self) -> str:
        return self.storage or folder_storage(self.base.out)

    @property
    def label(self) -> str | None:
        """How errors name the storage the user did not give as a URL: the study folder's."""
        return None if self.storage else f"--out {self.base.out}: study.db"


def folder_storage(folder: Path) -> str:
    """The SQLite storage a study keeps in its own folder when no --storage URL is given."""
    return f"sqlite:///{(folder / 'study.db').resolve()}"


def optuna_module():
    optuna = require("optuna", extra="tune", wanted_by="seqcli tune")
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # our table reports the trials
    return optuna


def open_storage(url: str, label: str | None = None):
    """The RDB storage with heartbeats, so a killed process's trial is found and queued again.
    Two processes creating its tables at once collide; the second tries again. Anything else
    (a scheme no driver reads, a host that does not resolve, a refused port) fails at once."""
    where = label or f"--storage {shown_url(url)}"
    check_storage(url, where)  # the checks' one home: the CLI calls it early, every opener here
    for attempt in range(ATTEMPTS):
        try:
            return _storage(url)
        except ImportError as err:  # a driver missing: no use trying again
            extra = "pip install 'seqcli[postgres]'" if url.startswith("postgres") else "install it"
            needs = err.name or "its database driver"
            raise UsageError(f"{where}: needs {needs}; {extra}") from None
        except Exception as err:  # sqlalchemy's: a URL it cannot read or reach, a collision
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            if attempt == ATTEMPTS - 1 or not any(race in first for race in RACES):
                raise UsageError(f"{where}: {first}") from None
            time.sleep(1 + attempt)


def _storage(url: str):
    optuna = optuna_module()
    sqlite = url.startswith("sqlite")
    engine = {"connect_args": {"timeout": 60}} if sqlite else {}
    with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.8
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=RETRIES)
        storage = optuna.storages.RDBStorage(
            url,
            engine_kwargs=engine,
            heartbeat_interval=HEARTBEAT,
            grace_period=GRACE,
            heartbeat_stale_trial_callback=retry,
        )
    if sqlite:
        _one_writer_at_a_time(storage.engine)
    return storage


def _one_writer_at_a_time(engine) -> None:
    """Make each SQLite transaction take the write lock as it begins. Python's sqlite3 starts
    a transaction at the first write, not the first read, so two processes could both read
    the queued trial 0 as waiting and both mark it running: two workers then trained into
    trials/0000 (1 --jobs 2 run in 3 here; 8 of 200 queued trials popped twice by two
    processes). Optuna's SELECT ... FOR UPDATE does that on PostgreSQL, not on SQLite."""
    import sqlalchemy

    def driver_begins_nothing(connection, record) -> None:
        connection.isolation_level = None  # no implicit BEGIN: the one below is the only one

    def begin_immediate(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    sqlalchemy.event.listen(engine, "connect", driver_begins_nothing)
    sqlalchemy.event.listen(engine, "begin", begin_immediate)
    engine.dispose()  # the connections opened to set the storage up reopen with these


def fingerprint(request: Request) -> str:
    """What a study is about: the resolved base recipe and the space. Another recipe or
    space in the same study would mix incomparable trials."""
    recipe = recipe_to_dict(request.base.recipe_with({}))
    space = [param.written + param.key for param in request.space]
    text = json.dumps([recipe, space], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_study(request: Request, *, worker: int = 0):
    """The study, created with the recipe's own values queued as its first trial (the
    baseline the gain is measured against), or loaded to continue."""
    optuna = optuna_module()
    lower = METRICS[request.base.monitor].lower_is_better
    settings = {
        "storage": open_storage(request.url, request.label),
        "study_name": request.name,
        "pruner": PRUNERS[request.pruner](optuna),
    }
    try:
        study = optuna.create_study(
            **settings, direction="minimize" if lower else "maximize", load_if_exists=False
        )
        _first_trial(study, request)  # by the one process whose create succeeded
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(**settings)
        _same_study(study, request)
    # The recipe's seed, moved on by the trials already asked for and, a stride apart, the
    # worker's number: a worker that loads the study before the baseline is queued (0 trials)
    # would otherwise draw worker 0's seed, and the same values, again.
    seed = request.base.recipe_with({}).seed + len(study.trials) + WORKER_STRIDE * worker
    study.sampler = SAMPLERS[request.sampler](optuna, seed)
    return study


def _first_trial(study, request: Request) -> None:
    study.set_user_attr("fingerprint", fingerprint(request))
    study.set_user_attr("monitor", request.base.monitor)
    baseline = baseline_params(request)
    if baseline:
        study.enqueue_trial(baseline, user_attrs={"baseline": True})


def _same_study(study, request: Request) -> None:
    if study.user_attrs.get("fingerprint") not in (None, fingerprint(request)):
        raise UsageError(
            f"{request.base.out}: study {request.name} was started with another recipe or "
            "search space; give another --out to start a new study"
        )


def baseline_params(request: Request) -> dict:
    """The base recipe's value of each searched key that lies in the space."""
    recipe = recipe_to_dict(request.base.recipe_with({}))
    values = {}
    for param in request.space:
        value = recipe
        for part in param.key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if _inside(param, value):
            values[param.key] = value
    return values


def _inside(param: Param, value) -> bool:
    if param.kind == "choice":
        return value in param.choices
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return param.low <= value <= param.high and (param.kind == "float" or value == int(value))


def suggest(trial, param: Param):
    """The trial's value for one key, from Optuna's sampler."""
    if param.kind == "choice":
        return trial.suggest_categorical(param.key, list(param.choices))
    if param.kind == "int":
        return trial.suggest_int(param.key, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(param.key, param.low, param.high, log=param.log)


def counted(study) -> int:
    optuna = optuna_module()
    states = tuple(getattr(optuna.trial.TrialState, state) for state in COUNTED)
    return len(study.get_trials(deepcopy=False, states=states))


def optimize(request: Request, *, emit: Emit, stopper: Stopper, worker: int = 0):
    """Run trials until the study holds request.trials finished or pruned ones, the time
    limit passes or a stop is requested; the study."""
    optuna = optuna_module()
    study = open_study(request, worker=worker)
    remaining = request.trials - counted(study)
    if remaining <= 0 or stopper.reason is not None:
        return study

    def objective(trial) -> float:
        trial.set_user_attr("folder", trial.user_attrs.get("folder", f"{trial.number:04d}"))
        params = {param.key: suggest(trial, param) for param in request.space}
        try:
            return run_trial(request.base, trial, params, emit=emit, stopper=stopper)
        except TuneInterrupted:
            # Queued again as a killed trial is, so the next run resumes its folder.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                again = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=None)
            again(study, study._storage.get_trial(trial._trial_id))
            raise

    def enough(study, trial) -> None:
        if stopper.reason is not None or counted(study) >= request.trials:
            study.stop()

    study.optimize(
        objective,
        n_trials=remaining,
        timeout=request.timeout,
        catch=(TrialFailed,),
        callbacks=[enough],
        gc_after_trial=False,
    )
    return study
