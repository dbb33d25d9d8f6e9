"""Investment Policy Statement: the profile model, its files, the constraint data it
compiles to, the feasibility check run before any solve, and policy validation."""
