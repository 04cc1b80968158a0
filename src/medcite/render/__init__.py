"""medcite render stage."""
