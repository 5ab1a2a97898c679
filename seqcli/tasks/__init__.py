"""Every task by the name recipe/tasks.py gives it."""

from seqcli.tasks.forecaster import TASKS as FORECASTERS

TASKS = {**FORECASTERS}
