"""seqcli tune: a search over recipe keys with Optuna, each trial a normal run in the study
folder. space.py (the keys and their distributions, checked against the recipe schema),
trial.py (one trial's run, reported to Optuna, pruned by it), study.py (storage, sampler,
pruner, the ask loop), runner.py (in this process or --jobs workers; --show), results.py
(tune.json, best.yaml, figures)."""
