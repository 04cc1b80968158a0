"""medcite review stage."""
