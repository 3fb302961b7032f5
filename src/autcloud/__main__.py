from autcloud.cli import main

raise SystemExit(main())
