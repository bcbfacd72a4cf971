"""``python -m mnist_sequences`` runs the ``generate-numbers-sequence`` command."""

from mnist_sequences.cli import main

raise SystemExit(main())
