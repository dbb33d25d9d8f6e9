"""File > Open book…: the firm's book checked in a worker, its exceptions in a window, an account
opened in the Rebalancing tab with its profile (:mod:`core.book` does the work)."""
