"""Scale benchmarks (issue 5, DESIGN.md §10), run by `make bench`, never by `make test`:
no file here is named test_*.py. See README.md, "Benchmarks"."""
