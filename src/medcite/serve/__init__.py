"""medcite serve stage."""
