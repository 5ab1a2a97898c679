"""seqcli init: read a sample of the user's file, guess the task and its columns, and write a
commented recipe. Torch-free: it reads text, CSV and .npz headers only.

The package imports nothing itself, so `seqcli --help` stays light: the command imports
seqcli.scaffold.guess when it runs."""
