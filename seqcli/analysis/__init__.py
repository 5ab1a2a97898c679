"""Looking at models and runs: diagnostics, parameter matching, checkpoint summaries, dry runs."""
