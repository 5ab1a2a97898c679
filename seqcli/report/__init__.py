"""seqcli report: one self-contained HTML page of runs (curves, the task's view, the gates
under the cursor), every script, style and figure inside it, nothing fetched at view time."""
