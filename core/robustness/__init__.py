"""Robustness of the recommendation: how it holds up when the sample is resampled."""
