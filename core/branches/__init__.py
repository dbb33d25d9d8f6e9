"""What-if branches of the policy and their side-by-side comparison (issue 18)."""
