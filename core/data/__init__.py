"""Market data: the deterministic synthetic default, live yfinance prices with a local cache,
and imported CSV files, each turned into a :class:`~core.data.dataset.ReturnsDataset`
that records where every number came from."""
