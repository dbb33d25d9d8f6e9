"""The Compare tab: what-if branches of the policy side by side, and the decision log dialog."""
