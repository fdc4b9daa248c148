"""`python -m dataclaw.cli ...`: the `dataclaw` command without the installed script."""
from . import main

main()
