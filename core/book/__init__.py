"""The firm's book: every account checked against its IPS and bands and rebalanced in one pass.

* :mod:`core.book.model` holds the book, its accounts and what the pass finds for each.
* :mod:`core.book.loader` reads a book (CSV, XLSX or a folder) and names every bad cell.
* :mod:`core.book.check` is the per-account pass (valuation, compliance, drift, trades: the
  Rebalancing tab's own :func:`core.rebalance.rebalance`).
* :mod:`core.book.engine` runs the pass in process or on a Dask cluster, by account chunks.
* :mod:`core.book.tables` and :mod:`core.book.files` turn the results into the output files.
"""
