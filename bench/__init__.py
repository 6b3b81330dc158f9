"""Benchmarks: the kit's relay and consumer as ratios against raw nats-py (``python -m bench``)."""
