"""Allow ``python -m healthcheck``."""

from healthcheck.cli import main

if __name__ == "__main__":
    main()
