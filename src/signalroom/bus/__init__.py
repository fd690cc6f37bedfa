"""The live bus: fan-out of new posts and rollup updates to web nodes and screens."""
