"""Batch engines: the whole pipeline over files and archives, locally or on Apache Spark.

Both engines run the same stage code as the service and write the same Parquet tables
(:mod:`storyline.engines.output`), which ``storyline load`` puts into a store:

* :func:`storyline.engines.local.run_local`: one process, the reference;
* :class:`storyline.engines.spark.SparkEngine`: ``storyline spark run`` (extra ``[spark]``).

See docs/spark.md.
"""

from __future__ import annotations

from storyline.engines.stages import EngineOptions

__all__ = ["EngineOptions"]
