"""``python -m zhtopics`` runs the command line."""

from zhtopics.cli import main

raise SystemExit(main())
