"""Fit scaling laws to your own training runs (``scaleplan fit``).

One module per job: :mod:`.io` reads and validates runs (CSV / JSON Lines), :mod:`.chinchilla` and
:mod:`.kaplan` fit the two loss forms, :mod:`.bootstrap` resamples runs on all cores, :mod:`.hparam_fit`
fits learning-rate and batch-size power laws, :mod:`.export` writes a law YAML, :mod:`.plot` draws it.

Nothing here imports scipy or matplotlib at import time; the fitting functions import scipy when called.
"""

# The allocation module names this package's ``kaplan_joint`` kind in KINDS as "module:Class" and imports
# it on first use, so neither package imports the other at load time.
