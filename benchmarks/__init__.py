"""Benchmarks of zhtopics: synthetic corpora with planted topics, recovery, speed and memory.

``python benchmarks/run.py`` (``make bench``) runs them and writes ``benchmarks/results/``.
"""
