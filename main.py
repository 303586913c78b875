"""Start the LoyaltyPOS desktop app.

    python main.py [--db PATH_OR_URL]

Without --db the app uses LOYALTYPOS_DB, or a SQLite file in the user's data folder.
"""

import sys

from ui.app import run

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
