"""The data-directory contract (README, "Data directories"): load, validate and write data dirs."""
