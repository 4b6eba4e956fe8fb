"""The README and the docs/ pages, as a reader uses them."""
