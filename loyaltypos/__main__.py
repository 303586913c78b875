import sys

from loyaltypos.cli import main

sys.exit(main())
