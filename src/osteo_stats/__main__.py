import sys

from osteo_stats.cli import main

sys.exit(main())
