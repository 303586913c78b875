"""LoyaltyPOS benchmark: checkout throughput, card scan latency, end-of-day summary time.

Run ``python -m bench.run`` (or ``--quick``); see bench/README.md.
"""
