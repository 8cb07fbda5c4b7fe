"""Daily digests: config, article identity, the run, story assembly, clustering, schedules."""
