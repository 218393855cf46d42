"""Spark execution mode: the stages that scale with the corpus, as Spark jobs over Parquet."""
