import sys

from synthlab_ml.cli import main

sys.exit(main())
