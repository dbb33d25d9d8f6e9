"""Portfolio construction: estimation of inputs, the QP solver wrapper, the candidate
strategies, and the rule that selects the IPS Recommended Portfolio."""
