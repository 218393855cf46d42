"""Spark execution mode: the pipeline stages as Spark jobs (``zhtopics run --spark``)."""
