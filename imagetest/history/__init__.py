"""The upstream's history: refs built and judged by scenarios (grid, cli, report), and
bisect."""
