"""``python -m station_app`` opens the desktop client."""

import sys

from station_app.app import main

sys.exit(main())
