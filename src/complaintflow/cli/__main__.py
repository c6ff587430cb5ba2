"""`python -m complaintflow.cli`, as the `complaintflow` command."""

import sys

from complaintflow.cli import main

sys.exit(main())
