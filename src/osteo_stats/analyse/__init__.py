"""Pure statistics: arrays or DataFrames in, frozen result objects out. No file or HTML access."""
