"""medcite verify stage."""
