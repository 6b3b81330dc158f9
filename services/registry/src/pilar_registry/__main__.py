"""``python -m pilar_registry [serve|migrate|import|verify|certify|expiring]``."""

from pilar_registry.cli import main

if __name__ == "__main__":
    main()
