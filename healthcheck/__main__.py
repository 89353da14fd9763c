"""Allow ``python -m healthcheck``."""

from healthcheck.launch import main

if __name__ == "__main__":
    main()
