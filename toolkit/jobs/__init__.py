"""Detection jobs: read the network, run a detector, write its results back as one run.

Each job is one library call used by the CLI, the refresh job and the benchmark alike.
"""
