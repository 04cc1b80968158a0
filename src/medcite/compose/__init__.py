"""medcite compose stage."""
