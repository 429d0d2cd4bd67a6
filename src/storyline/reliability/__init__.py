"""The reliability suite behind ``storyline selftest`` and ``make reliability`` (issue 11).

Three parts, each usable on its own and all run by :func:`storyline.reliability.runner.run`:

* :mod:`.targets` and :mod:`.fuzz`: fuzz targets over every component that reads untrusted
  input, run by hypothesis (in the tests) and by atheris, coverage-guided, for a bounded time;
* :mod:`.corpus`: a bad-input corpus (billion laughs, gzip bombs over HTTP, 100 MB pages,
  1 GB JSONL lines, dates in year 0 and 9999...), each case run in a child process whose time
  and peak memory (RSS) are measured and capped;
* :mod:`.faults`: kill -9 during ingest, clustering merges and migrations, a full disk, a
  locked database and a network that stalls mid-response; afterwards nothing committed may
  be lost or duplicated and ``storyline db check`` must pass.

See ``docs/reliability.md`` for what each check proves and the measured figures.
"""
